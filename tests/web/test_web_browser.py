"""The web app in a real Chromium (Debian's /usr/bin/chromium, driven by Playwright; no browser
download). The app runs under uvicorn in a thread on a free loopback port, against the test
database. Screenshots go to $GTM_ARTEFACTS_DIR (default: <tmp>/gtm-artefacts/web), never into
the repository.

Skipped only when chromium is missing and CI is unset: in CI these must run.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

from gtm.db import connect
from gtm.drafting.review import edit_draft
from gtm.web import create_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "correct horse battery"

if not (Path(CHROMIUM).exists() or shutil.which("chromium")) and not os.environ.get("CI"):
    pytest.skip("chromium is not installed (CI installs it through .ci/run)",
                allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api") if not os.environ.get("CI") else \
    __import__("playwright.sync_api", fromlist=["sync_playwright"])


def _artefacts() -> Path:
    path = Path(os.environ.get("GTM_ARTEFACTS_DIR")
                or Path(tempfile.gettempdir()) / "gtm-artefacts" / "web")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(migrated):
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(create_app(migrated), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server, web):
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto("/login")
    page.fill("input[name=email]", web.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/campaigns")
    yield page
    context.close()


def _shot(page, name: str) -> None:
    page.screenshot(path=str(_artefacts() / f"{name}.png"), full_page=True)


def _status(web, i: int) -> dict:
    with connect(web.settings) as conn:
        return conn.execute("select status, version, body from drafts where id = %s",
                            (web.drafts[i],)).fetchone()


def test_login_and_see_a_segment_count_and_the_campaign(page, web) -> None:
    _shot(page, "campaigns")
    assert page.locator("text=q1").first.is_visible()
    page.goto("/segments")
    page.select_option("#segment-field", "country")
    page.select_option("#segment-op", "eq")
    page.fill("#segment-value", "GB")
    page.click("#preview-button")
    assert page.locator("#segment-count").inner_text() == "3"
    assert "csrf_token" not in page.url
    _shot(page, "segments")
    page.fill("#segment-name", "gb-only")
    page.click("#segment-form button.primary")
    page.wait_for_url("**/segments/gb-only")
    assert page.locator("#segment-count").inner_text() == "3"
    assert page.locator("#versions li").count() == 1
    _shot(page, "segment")


def test_live_count_updates_while_building_the_filter(page) -> None:
    page.goto("/segments")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.select_option("#segment-field", "country")
    page.select_option("#segment-op", "eq")
    page.fill("#segment-value", "RU")
    try:
        page.locator("#segment-count").wait_for(timeout=5000)
    except Exception:
        raise AssertionError(f"console: {errors}; htmx: {page.evaluate('typeof htmx')}") from None
    sync_api.expect(page.locator("#segment-count")).to_have_text("1")
    page.fill("#segment-value", "GB")
    sync_api.expect(page.locator("#segment-count")).to_have_text("3")
    assert "csrf_token" not in page.url and page.url.endswith("/segments")
    assert not [e for e in errors if "Content Security Policy" in e], errors
    _shot(page, "segments-live")


def test_create_a_campaign_and_pause_it(page, web) -> None:
    page.goto("/campaigns")
    page.fill("#campaign-form input[name=name]", "q2")
    page.select_option("#campaign-form select[name=segment]", "everyone")
    page.click("#campaign-form button[type=submit]")
    page.wait_for_url("**/campaigns/q2")
    assert page.locator("#campaign-status").inner_text() == "drafting"
    assert page.locator("[data-label=audience]").inner_text() == "4"
    _shot(page, "campaign")
    with connect(web.settings) as conn:
        conn.execute("update campaigns set status = 'ready'"
                     " where workspace_id = %s and name = 'q2'", (web.workspace_id,))
    page.reload()
    page.click("#start")
    assert page.locator("#campaign-status").inner_text() == "sending"
    page.click("#pause")
    assert page.locator("#campaign-status").inner_text() == "paused"
    page.click("#resume")
    assert page.locator("#campaign-status").inner_text() == "sending"


def test_review_with_the_keyboard(page, web) -> None:
    page.goto("/campaigns/q1/review")
    _shot(page, "review-list")
    page.click("#start-review")
    page.wait_for_url(f"**/drafts/{web.drafts[0]}")
    _shot(page, "review")
    page.keyboard.press("a")  # approve → the next draft
    page.wait_for_url(f"**/drafts/{web.drafts[1]}*")
    assert _status(web, 0)["status"] == "approved"
    assert "Approved." in page.locator(".flash").inner_text()
    page.keyboard.press("e")
    page.fill("#edit-body", "Hi Alex,\n\nA shorter note.\n")
    page.select_option("#edit-reason", "length")
    page.click("#edit-form button[type=submit]")
    page.wait_for_url(f"**/drafts/{web.drafts[2]}*")
    assert _status(web, 1)["body"] == "Hi Alex,\n\nA shorter note.\n"
    page.keyboard.press("k")  # previous: the edited draft is still in the queue
    page.wait_for_url(f"**/drafts/{web.drafts[1]}*")
    page.keyboard.press("j")
    page.wait_for_url(f"**/drafts/{web.drafts[2]}*")
    page.keyboard.press("s")
    page.wait_for_url(f"**/drafts/{web.drafts[3]}*")
    assert _status(web, 2)["status"] == "skipped"
    page.keyboard.press("r")
    assert page.locator("#regen-form").is_visible()
    page.click("#regen-form button[type=submit]")  # template mode: the pack's template again
    page.wait_for_url(f"**/drafts/{web.drafts[3]}?*")
    assert _status(web, 3)["version"] == 2 and "Regenerated." in page.inner_text(".flash")
    assert not page.dialogs


def test_a_concurrent_edit_is_a_clear_conflict_and_loses_nothing(page, web) -> None:
    page.goto(f"/drafts/{web.drafts[3]}")
    page.keyboard.press("e")
    page.fill("#edit-body", "My careful rewrite")
    page.select_option("#edit-reason", "tone")
    with connect(web.settings) as conn:  # a colleague saves first
        edit_draft(conn, web.workspace_id, web.drafts[3], expected_version=1,
                   subject="Theirs", body="Colleague's version", reason_tag="accuracy",
                   editor="bob")
    page.click("#edit-form button[type=submit]")
    conflict = page.locator("#conflict")
    conflict.wait_for()
    assert "changed while you were looking at it" in conflict.inner_text()
    assert page.locator("#edit-body").input_value() == "My careful rewrite"
    assert "Colleague's version" in page.locator("#body").inner_text()
    assert _status(web, 3)["body"] == "Colleague's version"
    _shot(page, "conflict")


def test_report_page(page) -> None:
    page.goto("/report")
    assert page.locator("h1").inner_text() == "Report"
    assert page.locator("text=Needs a human").is_visible()
    _shot(page, "report")


def test_untrusted_text_is_shown_as_text(page, web) -> None:
    page.goto(f"/drafts/{web.drafts[0]}")
    assert page.locator("#company").inner_text() == "<script>alert(1)</script>"
    assert 'onerror="alert(2)"' in page.locator("#body").inner_text()
    assert page.locator("img[src=x]").count() == 0
    page.goto("/segments?field=country&op=eq&value=GB")
    assert page.locator("#preview >> text=<script>alert(1)</script>").count() == 1
    page.wait_for_timeout(300)
    assert page.dialogs == []
    _shot(page, "xss-as-text")
