// Keyboard shortcuts for the review screen and small form helpers. No inline scripts: the
// Content-Security-Policy allows only this file.
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }
  function show(id) {
    ["edit-form", "regen-form"].forEach(function (other) {
      var el = $(other); if (el && other !== id) { el.classList.add("hidden"); }
    });
    var form = $(id);
    if (!form) { return; }
    form.classList.remove("hidden");
    var first = form.querySelector("textarea, input[type=text]");
    if (first) { first.focus(); }
  }
  var editToggle = $("edit-toggle"), regenToggle = $("regen-toggle");
  if (editToggle) { editToggle.addEventListener("click", function () { show("edit-form"); }); }
  if (regenToggle) { regenToggle.addEventListener("click", function () { show("regen-form"); }); }
  // The segment form's "Preview count" is a GET: keep the CSRF token out of the URL.
  var previewButton = $("preview-button");
  if (previewButton) {
    previewButton.addEventListener("click", function () {
      var token = previewButton.form.querySelector("input[name=csrf_token]");
      if (token) { token.disabled = true; }
    });
  }
  var checkAll = $("check-all");
  if (checkAll) {
    checkAll.addEventListener("change", function () {
      document.querySelectorAll("input[name=draft]").forEach(function (box) { box.checked = checkAll.checked; });
    });
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "Escape") {
      ["edit-form", "regen-form"].forEach(function (id) { var el = $(id); if (el) { el.classList.add("hidden"); } });
      if (document.activeElement) { document.activeElement.blur(); }
      return;
    }
    if (typing(event.target) || !document.querySelector(".review")) { return; }
    var link;
    switch (event.key) {
      case "a": event.preventDefault(); $("approve-form").requestSubmit(); break;
      case "s": event.preventDefault(); $("skip-form").requestSubmit(); break;
      case "e": event.preventDefault(); show("edit-form"); break;
      case "r": event.preventDefault(); show("regen-form"); break;
      case "j": link = $("next"); if (link) { window.location.href = link.href; } break;
      case "k": link = $("prev"); if (link) { window.location.href = link.href; } break;
    }
  });
})();
