"""Resend and Smartlead adapters against a local HTTP server that checks what we send, with the
request and response shapes of their public API docs."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr

from gtm.providers.senders import (
    AuthError,
    BadAddressError,
    ContentRejectedError,
    DeliveryUnknownError,
    OutgoingEmail,
    ProviderConfigError,
    TransientSendError,
    build_adapter,
)

EMAIL = OutgoingEmail(
    id="0b7c2f9e-1111-4222-8333-944455556666",
    rfc_message_id="<0b7c2f9e-1111-4222-8333-944455556666@sender.io>",
    from_email="anna@sender.io", from_name="Anna Berg", to_email="kari@fjord.no",
    to_name="Kari Nordmann", subject="A question", body="Hi Kari,\n\nP.S. reply no.",
    reply_to="replies@sender.io",
    headers={"List-Unsubscribe": "<mailto:anna@sender.io?subject=unsubscribe>",
             "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})


class ApiServer:
    """Answers POSTs with scripted (status, json body, headers) and logs every request."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                url = urlsplit(self.path)
                server.requests.append({"path": url.path, "query": parse_qs(url.query),
                                        "headers": dict(self.headers), "json": json.loads(body)})
                status, payload, headers = server.script.pop(0)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def answer(self, status: int, payload: dict, headers: dict | None = None) -> None:
        self.script.append((status, payload, headers or {}))

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def api():
    with ApiServer() as server:
        yield server


def _resend(settings, api):
    return build_adapter("resend", settings.model_copy(update={
        "sending_resend_api_key": SecretStr("re_test_123"), "sending_resend_base_url": api.url}))


def _smartlead(settings, api):
    return build_adapter("smartlead", settings.model_copy(update={
        "sending_smartlead_api_key": SecretStr("sl_key"), "sending_smartlead_base_url": api.url,
        "sending_smartlead_campaign_id": 4242}))


def test_resend_request_shape_and_idempotency_key(settings, api) -> None:
    api.answer(200, {"id": "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"})
    with _resend(settings, api) as sender:
        outcome = sender.send(EMAIL)
    assert outcome.provider_message_id == "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"
    (request,) = api.requests
    assert request["path"] == "/emails"
    assert request["headers"]["Authorization"] == "Bearer re_test_123"
    assert request["headers"]["Idempotency-Key"] == EMAIL.id
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["json"] == {
        "from": "Anna Berg <anna@sender.io>", "to": ["kari@fjord.no"], "subject": "A question",
        "text": "Hi Kari,\n\nP.S. reply no.", "reply_to": "replies@sender.io",
        "headers": {"Message-ID": EMAIL.rfc_message_id, **EMAIL.headers}}


@pytest.mark.parametrize(("status", "name", "error"), [
    (429, "rate_limit_exceeded", TransientSendError),
    (500, "application_error", TransientSendError),
    (409, "concurrent_idempotent_requests", TransientSendError),
    (409, "invalid_idempotent_request", DeliveryUnknownError),
    (401, "missing_api_key", AuthError),
    (403, "invalid_api_key", AuthError),
    (422, "invalid_from_address", ProviderConfigError),
    (422, "validation_error", BadAddressError),
])
def test_resend_errors_are_classified(settings, api, status, name, error) -> None:
    message = "Invalid `to` field." if name == "validation_error" else "no"
    api.answer(status, {"statusCode": status, "name": name, "message": message},
               {"retry-after": "7"} if status == 429 else {})
    with pytest.raises(error) as caught, _resend(settings, api) as sender:
        sender.send(EMAIL)
    if status == 429:
        assert caught.value.retry_after == 7.0


def test_resend_without_a_key_names_the_variable(settings) -> None:
    with pytest.raises(ProviderConfigError, match="GTM_SENDING_RESEND_API_KEY"):
        build_adapter("resend", settings)


def test_smartlead_adds_one_lead_with_the_message_in_custom_fields(settings, api) -> None:
    api.answer(200, {"ok": True, "upload_count": 1, "total_leads": 1,
                     "already_added_to_campaign": 0, "invalid_email_count": 0})
    with _smartlead(settings, api) as sender:
        outcome = sender.send(EMAIL)
    assert outcome.detail == "added"
    (request,) = api.requests
    assert request["path"] == "/campaigns/4242/leads"
    assert request["query"] == {"api_key": ["sl_key"]}
    assert request["json"] == {
        "lead_list": [{"email": "kari@fjord.no", "first_name": "Kari", "last_name": "Nordmann",
                       "custom_fields": {"gtm_subject": "A question",
                                         "gtm_body": "Hi Kari,\n\nP.S. reply no.",
                                         "gtm_message_id": EMAIL.rfc_message_id}}],
        "settings": {"ignore_global_block_list": False, "ignore_unsubscribe_list": False,
                     "ignore_duplicate_leads_in_other_campaign": False}}


@pytest.mark.parametrize(("status", "payload", "expected"), [
    (200, {"ok": True, "upload_count": 0, "already_added_to_campaign": 1}, None),
    (200, {"ok": True, "upload_count": 0, "invalid_email_count": 1}, BadAddressError),
    (200, {"ok": True, "upload_count": 0, "unsubscribed_leads": 1}, ContentRejectedError),
    (401, {"message": "Invalid API key"}, AuthError),
    (429, {"message": "Too many requests"}, TransientSendError),
    (502, {}, TransientSendError),
])
def test_smartlead_answers_are_classified(settings, api, status, payload, expected) -> None:
    api.answer(status, payload)
    with _smartlead(settings, api) as sender:
        if expected is None:  # Smartlead deduplicates: the lead is there from an earlier try
            assert sender.send(EMAIL).detail == "already in the campaign"
        else:
            with pytest.raises(expected):
                sender.send(EMAIL)


def test_an_unreachable_api_is_transient(settings) -> None:
    with ApiServer() as gone:
        url = gone.url
    with pytest.raises(TransientSendError), build_adapter("resend", settings.model_copy(update={
            "sending_resend_api_key": SecretStr("k"), "sending_resend_base_url": url})) as s:
        s.send(EMAIL)
