"""The SMTP adapter against a real SMTP server on loopback (aiosmtpd): TLS, AUTH, and every
failure classified by when it happened."""

import email
import socket
from datetime import UTC, datetime

import pytest
from smtp_testserver import SmtpTestServer

from gtm.providers.senders import (
    AuthError,
    BadAddressError,
    DeliveryUnknownError,
    OutgoingEmail,
    ProviderConfigError,
    TransientSendError,
    build_adapter,
)
from gtm.providers.senders.smtp import SmtpConfig, SmtpSender
from gtm.sending.dispatch import dispatch_due
from gtm.sending.outbox import queue_campaign, start_sending

USERS = {"anna": "s3cret"}


def _email(n: int = 1, to: str = "kari@fjord.no") -> OutgoingEmail:
    return OutgoingEmail(id=f"id-{n}", rfc_message_id=f"<id-{n}@sender.io>",
                         from_email="anna@sender.io", from_name="Anna Berg", to_email=to,
                         to_name="Kari Nordmann", subject="Spørsmål om lager",
                         body="Hei Kari,\n.leading dot\nBye",
                         headers={"List-Unsubscribe": "<mailto:anna@sender.io?subject=u>",
                                  "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_and_auth_deliver_the_composed_message(tmp_path, security) -> None:
    with SmtpTestServer(tls=security, users=USERS, cert_dir=tmp_path) as server:
        config = SmtpConfig("127.0.0.1", server.port, security, "anna", "s3cret",
                            ca_file=server.ca_file)
        with SmtpSender(config) as sender:
            outcome = sender.send(_email(1))
            session = sender._smtp
            sender.send(_email(2))
            assert sender._smtp is session  # one session for many messages
    assert outcome.provider_message_id == "<id-1@sender.io>"
    first = server.received[0]
    assert (first.mail_from, first.rcpt_tos) == ("anna@sender.io", ["kari@fjord.no"])
    msg = email.message_from_bytes(first.data)
    assert msg["Message-ID"] == "<id-1@sender.io>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert str(email.header.make_header(email.header.decode_header(msg["Subject"]))) == \
        "Spørsmål om lager"
    # A line starting with "." survives SMTP transparency (dot-stuffing).
    assert msg.get_payload(decode=True).decode().splitlines() == [
        "Hei Kari,", ".leading dot", "Bye"]
    assert [r.message_id for r in server.received] == ["<id-1@sender.io>", "<id-2@sender.io>"]


def test_wrong_password_is_an_auth_error(tmp_path) -> None:
    with SmtpTestServer(tls="starttls", users=USERS, cert_dir=tmp_path) as server:
        config = SmtpConfig("127.0.0.1", server.port, "starttls", "anna", "wrong",
                            ca_file=server.ca_file)
        with pytest.raises(AuthError, match="535"), SmtpSender(config) as sender:
            sender.send(_email())
    assert server.received == []


def test_an_untrusted_certificate_is_a_configuration_error(tmp_path) -> None:
    with SmtpTestServer(tls="starttls", users=USERS, cert_dir=tmp_path) as server:
        config = SmtpConfig("127.0.0.1", server.port, "starttls", "anna", "s3cret")
        with pytest.raises(ProviderConfigError, match="not trusted"), SmtpSender(config) as s:
            s.send(_email())


def test_a_refused_recipient_is_a_bad_address_and_the_session_goes_on(tmp_path) -> None:
    with SmtpTestServer(reject={"nobody@fjord.no"}) as server:
        with SmtpSender(SmtpConfig("127.0.0.1", server.port, "none")) as sender:
            with pytest.raises(BadAddressError, match="5.1.1"):
                sender.send(_email(1, to="nobody@fjord.no"))
            sender.send(_email(2))
    assert [r.message_id for r in server.received] == ["<id-2@sender.io>"]


def test_no_server_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransientSendError), SmtpSender(
            SmtpConfig("127.0.0.1", port, "none", timeout=5)) as sender:
        sender.send(_email())


def test_a_connection_lost_after_the_data_is_an_unknown_outcome() -> None:
    with SmtpTestServer() as server:
        server.drop_after_data()
        with pytest.raises(DeliveryUnknownError), SmtpSender(
                SmtpConfig("127.0.0.1", server.port, "none")) as sender:
            sender.send(_email())
    assert len(server.received) == 1  # it did arrive: retrying would have sent it twice


def test_the_dispatcher_sends_through_smtp_and_suppresses_refused_addresses(
        world, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GTM_SMTP_PASSWORD_ANNA", "s3cret")
    with SmtpTestServer(tls="starttls", users=USERS, cert_dir=tmp_path,
                        reject={"person1@fjord.no"}) as server:
        world.sender(provider="smtp")
        world.conn.execute(
            "update senders set config = %s where workspace_id = %s",
            (f'{{"smtp_host": "127.0.0.1", "smtp_port": {server.port}, "smtp_username": "anna",'
             f' "password_env": "GTM_SMTP_PASSWORD_ANNA", "smtp_ca_file": "{server.ca_file}"}}',
             world.ws))
        campaign = world.campaign("q1")
        world.audience(campaign, 3)
        now = datetime(2026, 11, 23, 10, tzinfo=UTC)
        queue_campaign(world.conn, world.ws, "q1", world.settings, now=now)
        start_sending(world.conn, world.ws, "q1")
        report = dispatch_due(world.connect, world.settings, now=now)
    assert (report.sent, report.failed) == (2, 1)
    assert sorted(r.rcpt_tos[0] for r in server.received) == ["person0@fjord.no",
                                                             "person2@fjord.no"]
    assert world.conn.execute("select reason from suppressions where workspace_id = %s",
                              (world.ws,)).fetchone()["reason"] == "invalid_address"


def test_an_smtp_sender_without_a_host_names_the_setting(settings) -> None:
    with pytest.raises(Exception, match="GTM_SENDING_SMTP_HOST"):
        build_adapter("smtp", settings, {})
