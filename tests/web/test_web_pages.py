"""The pages through the TestClient: review actions, conflicts, bulk, segments, campaigns,
report, and escaping of untrusted text."""

from __future__ import annotations

import json
import re

from gtm.db import connect
from gtm.drafting.review import edit_draft

XSS_NAME = "<script>alert(1)</script>"


def _draft(web, i=0):
    with connect(web.settings) as conn:
        return conn.execute("select status, version, subject, body from drafts where id = %s",
                            (web.drafts[i],)).fetchone()


def test_review_screen_shows_the_draft_and_escapes_untrusted_text(client, web) -> None:
    page = client.get(f"/drafts/{web.drafts[0]}")
    assert page.status_code == 200
    assert "Subject 0" in page.text and "hiring" in page.text and "risk 0.90" in page.text
    assert XSS_NAME not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert '<img src=x' not in page.text and "&lt;img src=x onerror=" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_review_screen_shows_research_and_icp_reasons(client, web) -> None:
    with connect(web.settings) as conn:
        conn.execute(
            """insert into company_insights (workspace_id, company_id, summary, signals, mode)
               select e.workspace_id, e.company_id, 'Sells <b>boats</b>',
                      '[{"text": "Raised a Series A"}, "Hiring 3 engineers"]', 'rules'
               from drafts d join employees e on e.id = d.employee_id where d.id = %s""",
            (web.drafts[1],))
        conn.execute(
            """update campaign_members set snapshot = snapshot || '{"reasons": ["CTO in GB"]}'
               where employee_id = (select employee_id from drafts where id = %s)""",
            (web.drafts[1],))
    page = client.get(f"/drafts/{web.drafts[1]}").text
    assert "Sells &lt;b&gt;boats&lt;/b&gt;" in page
    assert "Raised a Series A" in page and "Hiring 3 engineers" in page and "CTO in GB" in page


def test_approve_goes_on_to_the_next_draft(client, web) -> None:
    response = client.post(f"/drafts/{web.drafts[0]}/approve",
                           data={"version": "1", "csrf_token": client.csrf},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith(
        f"/drafts/{web.drafts[1]}")
    assert _draft(web)["status"] == "approved"


def test_skip_and_edit_with_a_reason(client, web) -> None:
    client.post(f"/drafts/{web.drafts[1]}/skip", data={"version": "1", "csrf_token": client.csrf})
    assert _draft(web, 1)["status"] == "skipped"
    missing = client.post(f"/drafts/{web.drafts[2]}/edit", data={
        "version": "1", "csrf_token": client.csrf, "subject": "S", "body": "Mine"})
    assert missing.status_code == 400 and "reason tag" in missing.text and "Mine" in missing.text
    client.post(f"/drafts/{web.drafts[2]}/edit", data={
        "version": "1", "csrf_token": client.csrf, "subject": "Shorter", "body": "Short body.",
        "reason_tag": "length"})
    assert _draft(web, 2)["body"] == "Short body." and _draft(web, 2)["version"] == 2
    with connect(web.settings) as conn:
        revision = conn.execute("select reason_tag, editor from draft_revisions"
                                " where draft_id = %s", (web.drafts[2],)).fetchone()
    assert revision == {"reason_tag": "length", "editor": web.email}


def test_a_stale_version_is_a_conflict_that_keeps_the_reviewers_text(client, web) -> None:
    with connect(web.settings) as conn:  # someone else edits first
        edit_draft(conn, web.workspace_id, web.drafts[0], expected_version=1, subject="Theirs",
                   body="Their body", reason_tag="tone", editor="bob")
    response = client.post(f"/drafts/{web.drafts[0]}/edit", data={
        "version": "1", "csrf_token": client.csrf, "subject": "Mine", "body": "My careful body",
        "reason_tag": "accuracy"})
    assert response.status_code == 409
    assert "changed while you were looking at it" in response.text
    assert "My careful body" in response.text and "Their body" in response.text
    assert _draft(web)["body"] == "Their body"
    approve = client.post(f"/drafts/{web.drafts[0]}/approve",
                          data={"version": "1", "csrf_token": client.csrf})
    assert approve.status_code == 409 and _draft(web)["status"] == "generated"


def test_bulk_approve_on_a_filtered_list(client, web) -> None:
    page = client.get("/campaigns/q1/review?language=ru")
    values = re.findall(r'name="draft" value="([^"]+)"', page.text)
    assert len(values) == 1
    high = re.findall(r'name="draft" value="([^"]+)"',
                      client.get("/campaigns/q1/review?risk=high").text)
    assert len(high) == 2  # risk 0.9 and 0.7 are >= HIGH_RISK (0.6); 0.5 and 0.3 are not
    response = client.post("/campaigns/q1/review/bulk", data={
        "csrf_token": client.csrf, "action": "skip", "draft": values, "language": "ru"})
    assert response.status_code == 200 and "Skipped 1 draft(s)" in response.text
    assert [_draft(web, i)["status"] for i in range(4)].count("skipped") == 1


def test_segments_page_counts_previews_and_saves(client, web) -> None:
    page = client.get("/segments", params={"field_0": "country", "op_0": "eq", "value_0": "GB"})
    assert page.status_code == 200
    assert re.search(r'id="segment-count">3<', page.text)
    assert "&lt;script&gt;" in page.text and XSS_NAME not in page.text
    bad = client.get("/segments", params={"definition": '{"field": "nope"}'})
    assert bad.status_code == 400 and "segment-error" in bad.text
    saved = client.post("/segments", data={"csrf_token": client.csrf, "name": "gb",
                                           "field_0": "country", "op_0": "eq", "value_0": "GB"})
    assert saved.status_code == 200 and "Segment gb" in saved.text and "v1" in saved.text
    assert "gb" in client.get("/segments").text


SCHEDULE = {"settings_for": "me@sender.example", "window_days": ["mon", "wed", "fri"],
            "window_start": "08:30", "window_end": "16:00", "timezone": "Europe/Oslo",
            "daily_cap": "25", "hourly_cap": "", "min_gap_seconds": "120",
            "jitter_seconds": "30", "ramp_start": "5", "ramp_step": "5", "ramp_every_days": "2"}


def _sender(web) -> dict:
    with connect(web.settings) as conn:
        return conn.execute("select daily_cap, hourly_cap, min_gap_seconds, jitter_seconds,"
                            " send_window, timezone, ramp_up from senders"
                            " where workspace_id = %s", (web.workspace_id,)).fetchone()


def _campaign_names(web) -> list[str]:
    with connect(web.settings) as conn:
        return [r["name"] for r in conn.execute(
            "select name from campaigns where workspace_id = %s order by name",
            (web.workspace_id,))]


def test_campaigns_page_progress_and_create_with_the_senders_schedule(client, web) -> None:
    page = client.get("/campaigns")
    assert page.status_code == 200 and "q1" in page.text and 'data-label="audience">4<' in page.text
    # The form starts from the sender's current schedule and caps (sender:add defaults).
    assert 'name="daily_cap" min="0" value="50"' in page.text
    assert 'value="mon" checked' in page.text and 'value="sat" checked' not in page.text
    created = client.post("/campaigns", data={
        "csrf_token": client.csrf, "name": "q2", "segment": "everyone",
        "sender": "me@sender.example", "pack": "cold_first_touch", "campaign_daily_cap": "10",
        **SCHEDULE})
    assert created.status_code == 200 and 'id="campaign-status">drafting' in created.text
    assert "sends mon,wed,fri 08:30-16:00 Europe/Oslo · at most 25/day" in created.text
    assert "this campaign at most 10/day" in created.text
    with connect(web.settings) as conn:
        assert conn.execute("select daily_cap from campaigns where workspace_id = %s and"
                            " name = 'q2'", (web.workspace_id,)).fetchone()["daily_cap"] == 10
    assert _sender(web) == {
        "daily_cap": 25, "hourly_cap": None, "min_gap_seconds": 120, "jitter_seconds": 30,
        "send_window": {"days": [1, 3, 5], "start": "08:30", "end": "16:00"},
        "timezone": "Europe/Oslo", "ramp_up": {"start": 5, "step": 5, "every_days": 2}}
    refused = client.post("/campaigns/q2/pause", data={"csrf_token": client.csrf})
    assert refused.status_code == 400 and "cannot become paused" in refused.text


def test_invalid_schedule_or_caps_name_the_field_and_store_nothing(client, web) -> None:
    before = _sender(web)
    for change, field, message in (
        ({"daily_cap": "lots"}, "daily_cap", "Daily cap: &#39;lots&#39; is not a whole number"),
        ({"campaign_daily_cap": "0"}, "campaign_daily_cap",
         "Campaign daily cap: must be 1 or more, got 0"),
        ({"min_gap_seconds": "-5"}, "min_gap_seconds", "Minimum gap: must be 0 or more"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Time zone: unknown time zone"),
        ({"window_days": []}, "window_days", "Send days: tick at least one day"),
        ({"window_end": "07:00"}, "window_start", "the end must be after the start"),
        ({"ramp_start": "5", "ramp_every_days": "0"}, "ramp_every_days",
         "Ramp-up every (days): must be 1 or more"),
        ({"settings_for": "someone@else.example"}, "sender", "now show me@sender.example"),
    ):
        response = client.post("/campaigns", data={
            "csrf_token": client.csrf, "name": "q3", "segment": "everyone",
            "sender": "me@sender.example", "pack": "cold_first_touch", **SCHEDULE, **change})
        assert response.status_code == 400, (change, response.text)
        error = re.search(r'id="campaign-error">([^<]*)<', response.text).group(1)
        assert message in error, (change, error)
        marked = re.findall(r'(?:name|aria-label)="([^"]+)"[^>]*aria-invalid="true"',
                            response.text)
        assert marked == [{"window_days": "Send days"}.get(field, field)], (field, marked)
        assert 'value="q3"' in response.text  # what was typed is kept
    # A campaign error after valid caps rolls the sender change back too.
    taken = client.post("/campaigns", data={
        "csrf_token": client.csrf, "name": "q1", "segment": "everyone",
        "sender": "me@sender.example", "pack": "cold_first_touch", **SCHEDULE})
    assert taken.status_code == 400 and "already exists" in taken.text
    assert _sender(web) == before and _campaign_names(web) == ["q1"]


def test_the_sender_settings_fragment_shows_the_chosen_sender(client, web) -> None:
    from gtm.sending.senders import SenderSpec, add_sender
    from gtm.sending.window import parse_window

    with connect(web.settings) as conn:
        add_sender(conn, web.workspace_id, SenderSpec(
            "two@other.example",
            window=parse_window("sat-sun 10:00-14:00"), timezone="Asia/Tokyo", daily_cap=7))
    fragment = client.get("/senders/settings", params={"sender": "two@other.example"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'value="sat" checked' in fragment.text and 'value="mon" checked' not in fragment.text
    assert 'value="Asia/Tokyo"' in fragment.text and 'name="daily_cap" min="0" value="7"' in \
        fragment.text
    assert client.get("/senders/settings", params={"sender": "nobody@x.example"}).status_code \
        == 400


def test_pause_and_resume(client, web) -> None:
    with connect(web.settings) as conn:
        conn.execute("update campaigns set status = 'sending' where workspace_id = %s",
                     (web.workspace_id,))
    page = client.post("/campaigns/q1/pause", data={"csrf_token": client.csrf})
    assert 'id="campaign-status">paused' in page.text
    page = client.post("/campaigns/q1/resume", data={"csrf_token": client.csrf})
    assert 'id="campaign-status">sending' in page.text


def test_report_page(client, web) -> None:
    page = client.get("/report")
    assert page.status_code == 200 and "Needs a human" in page.text


def test_regenerate_in_template_mode_and_its_conflict(client, web) -> None:
    response = client.post(f"/drafts/{web.drafts[1]}/regenerate",
                           data={"version": "1", "csrf_token": client.csrf},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith(f"/drafts/{web.drafts[1]}")
    assert _draft(web, 1)["version"] == 2
    stale = client.post(f"/drafts/{web.drafts[1]}/regenerate",
                        data={"version": "1", "csrf_token": client.csrf})
    assert stale.status_code == 409 and "changed while you were looking at it" in stale.text


def test_deleting_a_segment_used_by_a_campaign_keeps_the_campaign(client, web) -> None:
    page = client.post("/segments/everyone/delete", data={"csrf_token": client.csrf})
    assert page.status_code == 200 and "Deleted segment everyone" in page.text
    assert client.get("/segments/everyone").status_code == 400
    campaign = client.get("/campaigns/q1")
    assert campaign.status_code == 200 and "segment everyone v1" in campaign.text


def test_segment_preview_pages_through_the_contacts(client, web, monkeypatch) -> None:
    from gtm.web.routes import segments

    monkeypatch.setattr(segments, "PAGE_SIZE", 3)
    first = client.get("/segments/everyone").text
    emails = re.findall(r"<td>(p\d@firma\d\.example)</td>", first)
    link = re.search(r'id="next-page" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(link).text
    more = re.findall(r"<td>(p\d@firma\d\.example)</td>", second)
    assert len(emails) == 3 and len(more) == 1 and not set(emails) & set(more)
    assert re.search(r'id="segment-count">4<', second) and 'id="next-page"' not in second


def test_the_preview_fragment_and_htmx_from_its_package(client, web) -> None:
    fragment = client.get("/segments/preview",
                          params={"field_0": "country", "op_0": "eq", "value_0": "RU"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert re.search(r'id="segment-count">1<', fragment.text)
    bad = client.get("/segments/preview", params={"definition": "{"})
    assert bad.status_code == 200 and "not valid JSON" in bad.text
    script = client.get("/vendor/htmx/htmx.min.js")
    assert script.status_code == 200 and script.text.startswith("var htmx")


def test_regenerate_offers_the_packs_variants_and_languages(client, web) -> None:
    page = client.get(f"/drafts/{web.drafts[0]}").text
    assert '<option value="casual">casual — ' in page and "<option>ru</option>" in page
    response = client.post(f"/drafts/{web.drafts[0]}/regenerate", data={
        "version": "1", "csrf_token": client.csrf, "variant": "casual", "to_language": "ru"})
    assert response.status_code == 200 and "variant casual" in response.text
    assert "language ru" in response.text


def test_report_counts_outcomes_per_campaign_and_lists_held_messages(client, web) -> None:
    with connect(web.settings) as conn:
        rows = conn.execute(
            "select d.id::text as draft, d.employee_id, c.id as campaign, c.sender_id"
            " from drafts d join campaigns c on c.id = d.campaign_id where d.workspace_id = %s"
            " order by d.risk_score desc", (web.workspace_id,)).fetchall()
        messages = []
        for i, r in enumerate(rows):
            status = "held_unknown" if i == 3 else "sent"
            messages.append(conn.execute(
                "insert into messages (workspace_id, campaign_id, employee_id, draft_id,"
                " sender_id, to_email, subject, body, rfc_message_id, status, sent_at,"
                " reserved_at, last_error) values (%s, %s, %s, %s, %s, %s, %s, 'b', %s, %s,"
                " case when %s = 'sent' then now() end, now(), %s) returning id",
                (web.workspace_id, r["campaign"], r["employee_id"], r["draft"], r["sender_id"],
                 f"to{i}@example.test", f"<b>Subj {i}</b>", f"<m{i}-{web.slug}@t>", status,
                 status, "provider timed out" if i == 3 else None)).fetchone()["id"])
        for message, label, bounce in ((messages[0], "positive", None),
                                       (messages[1], "unsubscribe", None),
                                       (messages[2], "bounce", "hard")):
            conn.execute("insert into reply_events (workspace_id, message_id, mailbox, label,"
                         " classifier, bounce_kind) values (%s, %s, 'INBOX', %s, 'rules', %s)",
                         (web.workspace_id, message, label, bounce))
    page = client.get("/report").text
    row = re.search(r"<tr><td>q1</td>((?:<td>[^<]*</td>)+)</tr>", page).group(1)
    cells = re.findall(r"<td>([^<]*)</td>", row)
    # sent, bounced, replied, positive, unsubscribed
    assert cells[:5] == ["3", "1", "2", "1", "1"], cells
    assert "provider timed out" in page and "&lt;b&gt;Subj 3&lt;/b&gt;" in page
    assert 'data-label="sent">3<' in page
    campaign = client.get("/campaigns/q1").text
    assert 'data-label="sent">3<' in campaign and 'data-label="replied">2<' in campaign


def _series(section: str, name: str) -> list[tuple[str, str]]:
    """(day, number) of each dot of one series in a campaign's chart."""
    block = re.search(rf'data-series="{name}">(.*?)</g>', section, re.S).group(1)
    return re.findall(r'data-day="([\d-]+)" data-n="(\d+)"', block)


def test_report_has_a_daily_series_per_campaign_and_a_segment_breakdown(client, web) -> None:
    from gtm.campaigns.audience import freeze_audience
    from gtm.campaigns.store import CampaignSpec, create_campaign
    from gtm.packs.catalog import resolve_pack
    from gtm.segments import create_segment

    with connect(web.settings) as conn:
        create_segment(conn, web.workspace_id, "ru-<i>only</i>",
                       {"field": "country", "op": "eq", "value": "RU"})
        q2, _ = create_campaign(conn, web.workspace_id, CampaignSpec(
            "q2", "ru-<i>only</i>", "me@sender.example",
            resolve_pack(web.settings, "cold_first_touch")))
        freeze_audience(conn, web.workspace_id, q2["id"])
        members = conn.execute(
            "select c.name, c.id, c.sender_id, cm.employee_id from campaign_members cm"
            " join campaigns c on c.id = cm.campaign_id join employees e on e.id = cm.employee_id"
            " where c.workspace_id = %s order by c.name, e.email", (web.workspace_id,)).fetchall()
        # q1: two sent on 2026-03-02 (one replied positively), one on 2026-03-04 that bounced;
        # q2: one sent on 2026-03-03 that unsubscribed.
        plan = [("q1", "2026-03-02", "positive"), ("q1", "2026-03-02", None),
                ("q1", "2026-03-04", "bounce"), ("q2", "2026-03-03", "unsubscribe")]
        used: dict[str, int] = {}
        for campaign, day, label in plan:
            m = [r for r in members if r["name"] == campaign][used.get(campaign, 0)]
            used[campaign] = used.get(campaign, 0) + 1
            message = conn.execute(
                "insert into messages (workspace_id, campaign_id, employee_id, sender_id,"
                " to_email, subject, body, rfc_message_id, status, sent_at, reserved_at)"
                " values (%s, %s, %s, %s, 'x@example.test', 's', 'b', %s, 'sent',"
                " %s::date + time '12:00', %s::date + time '12:00') returning id",
                (web.workspace_id, m["id"], m["employee_id"], m["sender_id"],
                 f"<{campaign}-{day}-{used[campaign]}-{web.slug}@t>", day, day)).fetchone()["id"]
            if label:
                conn.execute("insert into reply_events (workspace_id, message_id, mailbox, label,"
                             " classifier, bounce_kind) values (%s, %s, 'INBOX', %s, 'rules', %s)",
                             (web.workspace_id, message, label,
                              "hard" if label == "bounce" else None))
    page = client.get("/report").text
    q1 = re.search(r'data-campaign="q1">(.*?)</section>', page, re.S).group(1)
    # Every day from the first to the last send, the empty day in between as a zero.
    assert _series(q1, "sent") == [("2026-03-02", "2"), ("2026-03-03", "0"), ("2026-03-04", "1")]
    for series, expected in (("bounced", "001"), ("replied", "100"), ("positive", "100"),
                             ("unsubscribed", "000")):
        assert "".join(n for _, n in _series(q1, series)) == expected, series
    q2 = re.search(r'data-campaign="q2">(.*?)</section>', page, re.S).group(1)
    assert _series(q2, "unsubscribed") == [("2026-03-03", "1")]
    table = re.search(r'id="report-segments">(.*?)</table>', page, re.S).group(1)
    rows = [re.findall(r"<td>(.*?)</td>", r) for r in re.findall(r"<tr>(.*?)</tr>", table)][1:]
    # segment, campaigns, sent, bounced, replied, positive, unsubscribed, rates
    assert rows == [
        ['everyone <span class="muted">v1</span>', "q1", "3", "1", "1", "1", "0",
         "50.0%", "50.0%", "33.3%"],
        ['ru-&lt;i&gt;only&lt;/i&gt; <span class="muted">v1</span>', "q2", "1", "0", "1", "0",
         "1", "100.0%", "0.0%", "0.0%"],
    ]


def _stored(web, name: str):
    with connect(web.settings) as conn:
        return [r["definition"] for r in conn.execute(
            "select v.definition from segment_versions v join segments s on s.id = v.segment_id"
            " where s.workspace_id = %s and s.name = %s order by v.version",
            (web.workspace_id, name))]


TWO_ROWS = {"field_0": "country", "op_0": "eq", "value_0": "GB",
            "field_1": "email_domain", "op_1": "in", "value_1": "firma1.example, firma3.example"}


def test_the_builder_combines_rows_with_and_or_or(client, web) -> None:
    both = client.get("/segments", params={"combine": "and", **TWO_ROWS})
    assert re.search(r'id="segment-count">1<', both.text)
    either = client.get("/segments", params={"combine": "or", **TWO_ROWS})
    assert re.search(r'id="segment-count">4<', either.text)
    assert 'id="combine-or" checked' in either.text
    # Every operator is listed; those country (a code) does not take are disabled.
    ops = re.search(r'id="op-0"[^>]*>(.*?)</select>', either.text, re.S).group(1)
    assert "<option selected>eq</option>" in ops and "<option>in</option>" in ops
    assert "<option disabled>contains</option>" in ops and "<option disabled>gt</option>" in ops
    saved = client.post("/segments", data={"csrf_token": client.csrf, "name": "gb-1",
                                           "combine": "and", **TWO_ROWS})
    assert saved.status_code == 200 and re.search(r'id="segment-count">1<', saved.text)
    assert _stored(web, "gb-1") == [{"and": [
        {"field": "country", "op": "eq", "value": "GB"},
        {"field": "email_domain", "op": "in", "value": ["firma1.example", "firma3.example"]}]}]


def test_adding_and_removing_rows_works_without_javascript_and_as_a_fragment(client, web) -> None:
    added = client.get("/segments", params={"combine": "and", **TWO_ROWS, "add": "1"}).text
    assert 'id="field-2"' in added and 'id="field-3"' not in added
    assert re.search(r'id="segment-count">1<', added)  # the blank row changes nothing
    removed = client.get("/segments", params={"combine": "and", **TWO_ROWS, "remove": "0"})
    assert 'id="field-1"' not in removed.text
    assert 'name="value_0" id="value-0" value="firma1.example, firma3.example"' in removed.text
    assert re.search(r'id="segment-count">2<', removed.text)  # firma1 and firma3, any country
    fragment = client.get("/segments/builder", params={"combine": "and", **TWO_ROWS,
                                                        "remove": "1"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<fieldset id="builder" ')
    assert 'id="field-1"' not in fragment.text
    oob = re.search(r'<div id="preview-area"[^>]*hx-swap-oob="true">(.*)</div>', fragment.text,
                    re.S).group(1)
    assert re.search(r'id="segment-count">3<', oob)


def test_builder_errors_name_the_condition_and_store_nothing(client, web) -> None:
    bad = client.post("/segments", data={"csrf_token": client.csrf, "name": "broken",
                                         "combine": "or", **TWO_ROWS, "field_1": "company_size",
                                         "op_1": "gt", "value_1": "many"})
    assert bad.status_code == 400
    error = re.search(r'id="segment-error">([^<]*)<', bad.text).group(1)
    assert error.startswith("Condition 2: field &#39;company_size&#39; with operator &#39;gt&#39;")
    no_op = client.post("/segments", data={"csrf_token": client.csrf, "name": "broken",
                                           **TWO_ROWS, "op_1": ""})
    assert no_op.status_code == 400 and "Condition 2: pick an operator for email_domain" in \
        no_op.text
    assert _stored(web, "broken") == []


def test_editing_a_segment_shows_rows_when_they_fit_and_json_when_not(client, web) -> None:
    client.post("/segments", data={"csrf_token": client.csrf, "name": "two", "combine": "or",
                                   **TWO_ROWS})
    link = re.search(r'href="([^"]+)" id="edit-segment"',
                     client.get("/segments/two").text).group(1).replace("&amp;", "&")
    edit = client.get(link).text
    assert 'id="combine-or" checked' in edit and 'id="segment-name" value="two"' in edit
    assert re.search(r'name="value_1" id="value-1" value="\[&#34;firma1.example&#34;, '
                     r'&#34;firma3.example&#34;\]"', edit)
    assert re.search(r'id="segment-definition"[^>]*></textarea>', edit)
    assert re.search(r'id="segment-count">4<', edit)
    nested = {"and": [{"field": "country", "op": "eq", "value": "GB"},
                      {"not": {"field": "email_domain", "op": "eq", "value": "firma1.example"}}]}
    client.post("/segments", data={"csrf_token": client.csrf, "name": "nested",
                                   "definition": json.dumps(nested)})
    link = re.search(r'href="([^"]+)" id="edit-segment"',
                     client.get("/segments/nested").text).group(1).replace("&amp;", "&")
    edit = client.get(link).text
    assert "&#34;not&#34;" in re.search(r'id="segment-definition"[^>]*>(.*?)</textarea>', edit,
                                        re.S).group(1)
    assert 'id="field-0"' in edit and re.search(r'id="segment-count">2<', edit)
