"""SMTP (smtplib): STARTTLS or implicit TLS, AUTH, one session reused for many messages.

Every failure is classified by *when* it happened and what the server said:
- before the message text was handed over (connect, TLS, AUTH, MAIL, RCPT, the DATA command):
  nothing can have been delivered, so 4xx / connection problems are transient and 5xx are
  rejections (5.1.x or 550/551/553 at RCPT: bad address; 535/530/5.7.8: auth; others: content);
- after the text was handed over and before the server's final reply: the outcome is unknown
  (`DeliveryUnknownError`), because the server may already have queued it.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

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

SECURITY = ("starttls", "ssl", "none")
_ENHANCED = re.compile(rb"^\s*([245])\.(\d{1,3})\.(\d{1,3})")
_LEADING_DOT = re.compile(rb"(?m)^\.")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    ca_file: Path | None = None  # trust this CA (a self-signed relay) instead of the system's
    local_hostname: str | None = None


class SmtpSender(SenderAdapter):
    name = "smtp"

    def __init__(self, config: SmtpConfig):
        if config.security not in SECURITY:
            raise ProviderConfigError(f"unknown SMTP security {config.security!r}: "
                                      f"use one of {', '.join(SECURITY)}")
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def send(self, email: OutgoingEmail) -> SendOutcome:
        smtp = self._session()
        data = email.to_mime(datetime.now(UTC)).as_bytes()
        try:
            self._expect(smtp, smtp.mail(email.from_email), "MAIL FROM", sender=True)
            self._expect(smtp, smtp.rcpt(email.to_email), "RCPT", address=True)
            self._expect(smtp, smtp.docmd("DATA"), "DATA", wanted=354)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise TransientSendError(f"SMTP connection lost before the message was sent: "
                                     f"{exc}") from exc
        try:
            smtp.send(_dot_stuffed(data))
            final = smtp.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise DeliveryUnknownError(f"SMTP connection lost after the message was handed over "
                                       f"(the server may have accepted it): {exc}") from exc
        if final[0] != 250:
            self._reset(smtp)
            raise _refusal(final[0], final[1], "end of DATA")
        return SendOutcome(self.name, email.rfc_message_id, final[1].decode(errors="replace"))

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._drop()

    # -- the session ------------------------------------------------------------------------

    def _session(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        c = self.config
        context = ssl.create_default_context(cafile=str(c.ca_file) if c.ca_file else None)
        try:
            if c.security == "ssl":
                smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=context,
                                        local_hostname=c.local_hostname)
            else:
                smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout,
                                    local_hostname=c.local_hostname)
            smtp.ehlo()
            if c.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if c.username:
                smtp.login(c.username, c.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            if 400 <= exc.smtp_code < 500:
                raise TransientSendError(f"SMTP AUTH deferred: {_text(exc.smtp_error)}") from exc
            raise AuthError(f"SMTP AUTH refused by {c.host}: {exc.smtp_code} "
                            f"{_text(exc.smtp_error)}") from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise ProviderConfigError(f"{c.host}:{c.port} does not support {exc}; check "
                                      "smtp_security and smtp_username") from exc
        except ssl.SSLCertVerificationError as exc:
            raise ProviderConfigError(f"TLS certificate of {c.host} not trusted: "
                                      f"{exc.verify_message} (smtp_ca_file?)") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientSendError(f"cannot open an SMTP session with {c.host}:{c.port}: "
                                     f"{exc}") from exc
        self._smtp = smtp
        return smtp

    def _expect(self, smtp: smtplib.SMTP, answer: tuple[int, bytes], step: str, *,
                wanted: int | None = None, address: bool = False, sender: bool = False) -> None:
        code, reply = answer
        if (wanted is None and 200 <= code < 300) or code == wanted:
            return
        self._reset(smtp)
        raise _refusal(code, reply, step, address=address, sender=sender)

    def _reset(self, smtp: smtplib.SMTP) -> None:
        try:
            smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            except OSError:
                pass
        self._smtp = None


def _refusal(code: int, reply: bytes | str, step: str, *, address: bool = False,
             sender: bool = False) -> TransientSendError | RejectedError:
    """The error for a negative SMTP reply at `step` (nothing was delivered)."""
    text = f"{step}: {code} {_text(reply)}"
    if 400 <= code < 500:
        return TransientSendError(f"deferred at {text}")
    enhanced = _ENHANCED.match(reply if isinstance(reply, bytes) else reply.encode())
    klass, subject = (enhanced.group(1), enhanced.group(2)) if enhanced else (None, None)
    if code in (530, 535, 538) or (subject == b"7" and enhanced.group(3) == b"8"):
        return AuthError(f"authentication required or refused at {text}")
    if sender:
        return ProviderConfigError(f"the server refused our sender address at {text}")
    if address and (subject == b"1" or (klass is None and code in (550, 551, 553))):
        return BadAddressError(f"recipient refused at {text}")
    return ContentRejectedError(f"message refused at {text}")


def _dot_stuffed(data: bytes) -> bytes:
    """RFC 5321 §4.5.2 transparency plus the terminating line."""
    data = _LEADING_DOT.sub(b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
