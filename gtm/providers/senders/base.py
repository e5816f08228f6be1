"""The one interface every sending provider implements, and the errors it may raise.

An adapter sends one fully composed message and either returns a `SendOutcome` or raises one of
the errors below. The error's type is the whole contract with the outbox:

- `TransientSendError` (a `TransientError`): nothing was delivered and trying later may work
  (connection refused, 4xx SMTP reply, HTTP 429/5xx). The outbox retries with backoff.
- `RejectedError` subclasses (`TerminalError`): the provider refused the message and will again
  — `BadAddressError` (the recipient does not exist: the address is also suppressed),
  `AuthError` (credentials), `ContentRejectedError` (spam/policy), `ProviderConfigError`.
  The message goes to the poison queue with the reason.
- `DeliveryUnknownError` (`TerminalError`): the provider may or may not have accepted it (the
  connection broke after the message was handed over). Retrying could double-send, so the
  message is held for a human (`held_unknown`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

from gtm.errors import TerminalError, TransientError


class TransientSendError(TransientError):
    """Not delivered; may work later. `retry_after` (seconds) when the provider said so."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class RejectedError(TerminalError):
    """Refused for good; `cause` names why (bad_address, auth, content, config)."""

    cause = "rejected"


class BadAddressError(RejectedError):
    cause = "bad_address"


class AuthError(RejectedError):
    cause = "auth"


class ContentRejectedError(RejectedError):
    cause = "content"


class ProviderConfigError(RejectedError):
    cause = "config"


class DeliveryUnknownError(TerminalError):
    """The provider may have accepted the message: never retried automatically."""

    cause = "unknown_outcome"


@dataclass(frozen=True)
class OutgoingEmail:
    """One composed message, as the outbox hands it to an adapter."""

    id: str  # the outbox row id; also the idempotency key
    rfc_message_id: str  # "<uuid@sender-domain>"
    from_email: str
    to_email: str
    subject: str
    body: str
    from_name: str | None = None
    to_name: str | None = None
    reply_to: str | None = None
    in_reply_to: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # List-Unsubscribe, ...

    def to_mime(self, date: datetime) -> EmailMessage:
        """The RFC 5322 message: plain text UTF-8, our Message-ID, the outbox's extra headers."""
        msg = EmailMessage(policy=SMTP)
        msg["From"] = formataddr((self.from_name or "", self.from_email))
        msg["To"] = formataddr((self.to_name or "", self.to_email))
        msg["Subject"] = self.subject
        msg["Date"] = format_datetime(date)
        msg["Message-ID"] = self.rfc_message_id
        if self.reply_to:
            msg["Reply-To"] = self.reply_to
        if self.in_reply_to:
            msg["In-Reply-To"] = self.in_reply_to
            msg["References"] = self.in_reply_to
        for name, value in self.headers.items():
            msg[name] = value
        # quoted-printable keeps the body 7-bit clean for any relay, whatever the language.
        msg.set_content(self.body, charset="utf-8", cte="quoted-printable")
        return msg


@dataclass(frozen=True)
class SendOutcome:
    provider: str
    provider_message_id: str | None = None
    detail: str | None = None


class SenderAdapter(ABC):
    """Sends messages through one provider. Use as a context manager: connections are reused
    across `send` calls (an SMTP session, an HTTP client) and closed at the end."""

    name: str = "abstract"

    @abstractmethod
    def send(self, email: OutgoingEmail) -> SendOutcome:
        """Deliver one message or raise one of the errors of this module."""

    def close(self) -> None:  # noqa: B027 - adapters without connections need nothing here
        """Release connections."""

    def __enter__(self) -> SenderAdapter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
