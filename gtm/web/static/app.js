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
  // The segment form's GET buttons (preview, add/remove a condition without htmx) must not put
  // the CSRF token in the URL. htmx handles those clicks itself (no submit event), and it leaves
  // the token out through hx-params.
  var segmentForm = $("segment-form");
  if (segmentForm) {
    var token = segmentForm.querySelector("input[name=csrf_token]");
    segmentForm.addEventListener("submit", function (event) {
      if (token && event.submitter && event.submitter.getAttribute("formmethod") === "get") { token.disabled = true; }
    });
    // Back to a page from the cache: the token is needed again for "Save segment".
    window.addEventListener("pageshow", function () { if (token) { token.disabled = false; } });
  }
  // A condition row's field changed: only that field's operators can be chosen (the whitelist
  // comes with the rows as data-ops; delegated, so rows added by htmx are covered too).
  document.addEventListener("change", function (event) {
    var field = event.target, rows = field.closest && field.closest("[data-ops]");
    if (!rows || !/^field_\d+$/.test(field.name)) { return; }
    var allowed = JSON.parse(rows.getAttribute("data-ops"))[field.value];
    var op = field.form.elements["op_" + field.name.slice(6)];
    Array.prototype.forEach.call(op.options, function (option) {
      if (option.value) { option.disabled = Boolean(allowed) && allowed.indexOf(option.value) < 0; }
    });
    if (op.selectedOptions.length && op.selectedOptions[0].disabled) { op.value = ""; }
  });
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
