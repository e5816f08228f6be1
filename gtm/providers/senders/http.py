"""The HTTP sending APIs: Resend (one email per request) and Smartlead (a lead handed to a
Smartlead campaign whose sequence sends it).

Both are safe to retry after a timeout, so transport failures are transient here:
- Resend deduplicates on the `Idempotency-Key` header (our outbox id) for 24 hours, longer
  than the outbox's whole retry schedule;
- Smartlead deduplicates leads by address within a campaign and says so in its answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from gtm.providers.senders.base import (
    AuthError,
    BadAddressError,
    ContentRejectedError,
    DeliveryUnknownError,
    OutgoingEmail,
    ProviderConfigError,
    RejectedError,
    SenderAdapter,
    SendOutcome,
    TransientSendError,
)

USER_AGENT = "gtm-outbox/0.1"


@dataclass(frozen=True)
class HttpConfig:
    api_key: str
    base_url: str
    timeout: float = 30.0


class _HttpSender(SenderAdapter):
    def __init__(self, config: HttpConfig, transport: httpx.BaseTransport | None = None):
        if not config.api_key:
            raise ProviderConfigError(f"no API key for the {self.name} sender: set "
                                      f"GTM_SENDING_{self.name.upper()}_API_KEY")
        self.config = config
        self._client = httpx.Client(base_url=config.base_url.rstrip("/"), timeout=config.timeout,
                                    headers={"User-Agent": USER_AGENT}, transport=transport)

    def _post(self, path: str, **kwargs) -> httpx.Response:
        try:
            return self._client.post(path, **kwargs)
        except httpx.TransportError as exc:
            raise TransientSendError(f"{self.name}: {type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        self._client.close()


class ResendSender(_HttpSender):
    """`POST /emails` with `Authorization: Bearer` and `Idempotency-Key`; answers `{"id": ...}`,
    errors `{"statusCode", "name", "message"}`."""

    name = "resend"

    def send(self, email: OutgoingEmail) -> SendOutcome:
        headers = {"Message-ID": email.rfc_message_id, **email.headers}
        if email.in_reply_to:
            headers.update({"In-Reply-To": email.in_reply_to, "References": email.in_reply_to})
        sender = f"{email.from_name} <{email.from_email}>" if email.from_name else email.from_email
        payload: dict = {
            "from": sender, "to": [email.to_email], "subject": email.subject, "text": email.body,
            "headers": headers,
        }
        if email.reply_to:
            payload["reply_to"] = email.reply_to
        response = self._post("/emails", json=payload, headers={
            "Authorization": f"Bearer {self.config.api_key}", "Idempotency-Key": email.id})
        if response.status_code in (200, 201):
            return SendOutcome(self.name, _json(response).get("id"))
        raise _resend_error(response)


def _resend_error(response: httpx.Response) -> TransientSendError | RejectedError:
    body = _json(response)
    name, message = str(body.get("name", "")), str(body.get("message", response.text[:200]))
    text = f"resend {response.status_code} {name}: {message}"
    status = response.status_code
    if status == 429 or status >= 500 or name == "concurrent_idempotent_requests":
        return TransientSendError(text, _retry_after(response))
    if name == "invalid_idempotent_request":
        # The key was used before with another body: an earlier attempt reached Resend.
        return DeliveryUnknownError(text)
    if status == 401 or name in ("missing_api_key", "invalid_api_key", "restricted_api_key"):
        return AuthError(text)
    if name == "invalid_from_address" or status in (403, 404):
        return ProviderConfigError(text)
    if "`to`" in message or "recipient" in message.lower():
        return BadAddressError(text)
    return ContentRejectedError(text)


class SmartleadSender(_HttpSender):
    """`POST /campaigns/{id}/leads?api_key=…` with one lead whose custom fields carry the
    subject, body and Message-ID; the Smartlead campaign's sequence must use `{{gtm_subject}}`
    and `{{gtm_body}}`. Smartlead's global block and unsubscribe lists stay in force."""

    name = "smartlead"

    def __init__(self, config: HttpConfig, campaign_id: int | None,
                 transport: httpx.BaseTransport | None = None):
        if not campaign_id:
            raise ProviderConfigError("no Smartlead campaign: set "
                                      "GTM_SENDING_SMARTLEAD_CAMPAIGN_ID or the sender's config "
                                      "smartlead_campaign_id")
        super().__init__(config, transport)
        self.campaign_id = campaign_id

    def send(self, email: OutgoingEmail) -> SendOutcome:
        first, _, last = (email.to_name or "").partition(" ")
        lead = {"email": email.to_email, "first_name": first, "last_name": last,
                "custom_fields": {"gtm_subject": email.subject, "gtm_body": email.body,
                                  "gtm_message_id": email.rfc_message_id}}
        response = self._post(
            f"/campaigns/{self.campaign_id}/leads", params={"api_key": self.config.api_key},
            json={"lead_list": [lead], "settings": {
                "ignore_global_block_list": False, "ignore_unsubscribe_list": False,
                "ignore_duplicate_leads_in_other_campaign": False}})
        status, body = response.status_code, _json(response)
        said = body.get("message") or body.get("error") or response.text[:200]
        text = f"smartlead {status}: {said}"
        if status == 429 or status >= 500:
            raise TransientSendError(text, _retry_after(response))
        if status in (401, 403):
            raise AuthError(text)
        if status == 404:
            raise ProviderConfigError(text)
        if status >= 400:
            raise (BadAddressError if "email" in text.lower() else ContentRejectedError)(text)
        added = int(body.get("upload_count", body.get("added_count", 0)) or 0)
        if added or int(body.get("already_added_to_campaign", 0) or 0):
            return SendOutcome(self.name, f"campaign {self.campaign_id}:{email.to_email}",
                               "added" if added else "already in the campaign")
        if int(body.get("invalid_email_count", 0) or 0):
            raise BadAddressError(f"smartlead refused the address: {body}")
        raise ContentRejectedError(f"smartlead skipped the lead (block list, unsubscribed or a "
                                   f"duplicate in another campaign): {body}")


def _json(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("retry-after", ""))
    except ValueError:
        return None
