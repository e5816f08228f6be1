"""The web app in a real Chromium (Debian's /usr/bin/chromium, driven by Playwright; no browser
download). The app runs under uvicorn in a thread on a free loopback port, against the test
database. Screenshots go to $GTM_ARTEFACTS_DIR (default: <tmp>/gtm-artefacts/web), never into
the repository.

Skipped only when chromium is missing and CI is unset: in CI these must run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from loopback import serve

from gtm.db import connect
from gtm.drafting.review import edit_draft
from gtm.segments import FIELDS
from gtm.sending.senders import SenderSpec, add_sender
from gtm.sending.window import parse_window
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


@pytest.fixture(scope="module")
def server(migrated):
    with serve(create_app(migrated)) as url:
        yield url


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
    page.select_option("#field-0", "country")
    page.select_option("#op-0", "eq")
    page.fill("#value-0", "GB")
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
    page.select_option("#field-0", "country")
    page.select_option("#op-0", "eq")
    page.fill("#value-0", "RU")
    try:
        page.locator("#segment-count").wait_for(timeout=5000)
    except Exception:
        raise AssertionError(f"console: {errors}; htmx: {page.evaluate('typeof htmx')}") from None
    sync_api.expect(page.locator("#segment-count")).to_have_text("1")
    page.fill("#value-0", "GB")
    sync_api.expect(page.locator("#segment-count")).to_have_text("3")
    assert "csrf_token" not in page.url and page.url.endswith("/segments")
    assert not [e for e in errors if "Content Security Policy" in e], errors
    _shot(page, "segments-live")


def test_build_a_two_condition_segment_with_the_live_count(page, web) -> None:
    page.goto("/segments")
    page.select_option("#field-0", "country")
    page.select_option("#op-0", "eq")
    page.fill("#value-0", "GB")
    sync_api.expect(page.locator("#segment-count")).to_have_text("3")
    page.click("#add-condition")  # htmx re-renders the rows, keeping what was typed
    page.locator("#field-1").wait_for()
    assert page.locator("#value-0").input_value() == "GB"
    page.select_option("#field-1", "email_domain")
    # Only each field's own operators can be chosen (app.js follows the field).
    for i, field in ((0, "country"), (1, "email_domain")):
        sync_api.expect(page.locator(f"#op-{i} option:not([disabled])")).to_have_text(
            ["— operator —", *FIELDS[field].operators])
    page.select_option("#op-1", "in")
    page.fill("#value-1", "firma1.example, firma3.example")
    sync_api.expect(page.locator("#segment-count")).to_have_text("1")
    page.check("#combine-or")
    sync_api.expect(page.locator("#segment-count")).to_have_text("4")
    page.check("#combine-and")
    sync_api.expect(page.locator("#segment-count")).to_have_text("1")
    assert page.url.endswith("/segments")
    _shot(page, "segment-builder")
    page.fill("#segment-name", "gb-firma1")
    page.click("#segment-form button.primary")
    page.wait_for_url("**/segments/gb-firma1")
    assert page.locator("#segment-count").inner_text() == "1"
    page.click("#edit-segment")  # a filter that fits the builder comes back as rows
    assert page.locator("#field-1").input_value() == "email_domain"
    assert page.locator("#segment-definition").input_value() == ""
    page.click("#remove-0")
    sync_api.expect(page.locator("#field-1")).to_have_count(0)
    sync_api.expect(page.locator("#segment-count")).to_have_text("2")


def test_create_a_campaign_with_schedule_and_caps_and_pause_it(page, web) -> None:
    with connect(web.settings) as conn:
        add_sender(conn, web.workspace_id, SenderSpec(
            "weekend@other.example", window=parse_window("sat-sun 10:00-14:00"),
            timezone="Asia/Tokyo", daily_cap=7))
    page.goto("/campaigns")
    # Picking another sender swaps in its schedule and caps (htmx), and back again.
    page.select_option("#campaign-sender", "weekend@other.example")
    sync_api.expect(page.locator("#settings-for")).to_have_text("weekend@other.example")
    assert page.locator("input[name=timezone]").input_value() == "Asia/Tokyo"
    assert page.locator("#sender-settings input[value=sun]").is_checked()
    page.select_option("#campaign-sender", "me@sender.example")
    sync_api.expect(page.locator("#settings-for")).to_have_text("me@sender.example")
    page.fill("#campaign-form input[name=name]", "q2")
    page.select_option("#campaign-form select[name=segment]", "everyone")
    page.uncheck("#sender-settings input[value=fri]")
    page.check("#sender-settings input[value=sat]")
    page.fill("input[name=window_start]", "08:00")
    page.fill("input[name=window_end]", "15:30")
    page.fill("input[name=timezone]", "Europe/Oslo")
    page.fill("input[name=daily_cap]", "30")
    page.fill("input[name=min_gap_seconds]", "90")
    page.fill("input[name=jitter_seconds]", "20")
    page.fill("input[name=ramp_start]", "10")
    page.fill("input[name=ramp_step]", "5")
    page.fill("input[name=ramp_every_days]", "3")
    _shot(page, "campaign-form")
    page.click("#campaign-form button[type=submit]")
    page.wait_for_url("**/campaigns/q2")
    assert page.locator("#campaign-status").inner_text() == "drafting"
    assert page.locator("[data-label=audience]").inner_text() == "4"
    schedule = page.locator("#campaign-schedule").inner_text()
    assert "sends mon,tue,wed,thu,sat 08:00-15:30 Europe/Oslo · at most 30/day" in schedule
    assert "gap 90 s + up to 20 s · ramp-up from 10/day, +5 every 3 day(s)" in schedule
    _shot(page, "campaign")
    with connect(web.settings) as conn:
        conn.execute("update campaigns set status = 'ready'"
                     " where workspace_id = %s and name = 'q2'", (web.workspace_id,))
    page.reload()
    # Each click posts and reloads the page: wait for the new status, not the old page's.
    for button, status in (("#start", "sending"), ("#pause", "paused"), ("#resume", "sending")):
        page.click(button)
        sync_api.expect(page.locator("#campaign-status")).to_have_text(status)


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


def test_report_shows_the_daily_series_and_the_segment_breakdown(page, web) -> None:
    with connect(web.settings) as conn:
        members = conn.execute(
            "select c.id, c.sender_id, cm.employee_id from campaign_members cm"
            " join campaigns c on c.id = cm.campaign_id where c.workspace_id = %s"
            " order by cm.rank", (web.workspace_id,)).fetchall()
        for i, (m, day) in enumerate(zip(members, ("2026-05-04", "2026-05-04", "2026-05-06"),
                                         strict=False)):
            message = conn.execute(
                "insert into messages (workspace_id, campaign_id, employee_id, sender_id,"
                " to_email, subject, body, rfc_message_id, status, sent_at, reserved_at)"
                " values (%s, %s, %s, %s, 'x@example.test', 's', 'b', %s, 'sent',"
                " %s::date + time '10:00', %s::date + time '10:00') returning id",
                (web.workspace_id, m["id"], m["employee_id"], m["sender_id"],
                 f"<r{i}-{web.slug}@t>", day, day)).fetchone()["id"]
            if i == 0:
                conn.execute("insert into reply_events (workspace_id, message_id, mailbox,"
                             " label, classifier) values (%s, %s, 'INBOX', 'positive', 'rules')",
                             (web.workspace_id, message))
    page.goto("/report")
    assert page.locator("h1").inner_text() == "Report"
    chart = page.locator("[data-campaign=q1] svg.timeseries")
    assert chart.is_visible() and chart.bounding_box()["width"] > 300
    sent = page.locator("[data-campaign=q1] [data-series=sent] circle")
    assert [sent.nth(i).get_attribute("data-n") for i in range(sent.count())] == ["2", "0", "1"]
    assert page.locator("[data-campaign=q1] [data-series=positive] circle").first \
        .get_attribute("data-n") == "1"
    row = page.locator("#report-segments tbody tr").first.locator("td")
    assert row.nth(0).inner_text().startswith("everyone")
    assert [row.nth(i).inner_text() for i in range(1, 8)] == [
        "q1", "3", "0", "1", "1", "0", "33.3%"]
    assert page.locator("text=Needs a human").is_visible()
    _shot(page, "report")


def test_untrusted_text_is_shown_as_text(page, web) -> None:
    page.goto(f"/drafts/{web.drafts[0]}")
    assert page.locator("#company").inner_text() == "<script>alert(1)</script>"
    assert 'onerror="alert(2)"' in page.locator("#body").inner_text()
    assert page.locator("img[src=x]").count() == 0
    page.goto("/segments?field_0=country&op_0=eq&value_0=GB")
    assert page.locator("#preview >> text=<script>alert(1)</script>").count() == 1
    page.wait_for_timeout(300)
    assert page.dialogs == []
    _shot(page, "xss-as-text")
