"""The pages through the TestClient: review actions, conflicts, bulk, segments, campaigns,
report, and escaping of untrusted text."""

from __future__ import annotations

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
    page = client.get("/segments", params={"field": "country", "op": "eq", "value": "GB"})
    assert page.status_code == 200
    assert re.search(r'id="segment-count">3<', page.text)
    assert "&lt;script&gt;" in page.text and XSS_NAME not in page.text
    bad = client.get("/segments", params={"definition": '{"field": "nope"}'})
    assert bad.status_code == 400 and "segment-error" in bad.text
    saved = client.post("/segments", data={"csrf_token": client.csrf, "name": "gb",
                                           "field": "country", "op": "eq", "value": "GB"})
    assert saved.status_code == 200 and "Segment gb" in saved.text and "v1" in saved.text
    assert "gb" in client.get("/segments").text


def test_campaigns_page_progress_and_create(client, web) -> None:
    page = client.get("/campaigns")
    assert page.status_code == 200 and "q1" in page.text and 'data-label="audience">4<' in page.text
    created = client.post("/campaigns", data={
        "csrf_token": client.csrf, "name": "q2", "segment": "everyone",
        "sender": "me@sender.example", "pack": "cold_first_touch"})
    assert created.status_code == 200 and 'id="campaign-status">drafting' in created.text
    refused = client.post("/campaigns/q2/pause", data={"csrf_token": client.csrf})
    assert refused.status_code == 400 and "cannot become paused" in refused.text


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
                          params={"field": "country", "op": "eq", "value": "RU"})
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
