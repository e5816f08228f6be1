"""IMAP collection against a real Dovecot on loopback: only new messages by UID, UIDVALIDITY
changes, Sent/Drafts refused, unread mail left unread, then processing as from the Maildir."""

from __future__ import annotations

import pytest
from dovecot_server import DovecotServer, require_dovecot
from imapclient import IMAPClient

from gtm.errors import ConfigError
from gtm.providers.mailbox.imap import ImapMailbox
from gtm.replies.pipeline import sync_mailbox
from gtm.replies.samples import compose_reply
from gtm.replies.service import process

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def dovecot():
    server = DovecotServer(require_dovecot(), {"replies": "s3cret"}).start()
    yield server
    server.stop()


def _client(server) -> IMAPClient:
    client = IMAPClient(server.host, port=server.port, ssl=False)
    client.login("replies", "s3cret")
    return client


def _mailbox(server, folders=None) -> ImapMailbox:
    return ImapMailbox(server.host, server.port, "replies", "s3cret", ssl=False,
                       folders=folders, batch_size=2)


def _append(server, folder: str, raws: list[bytes]) -> None:
    client = _client(server)
    if not client.folder_exists(folder):
        client.create_folder(folder)
    for raw in raws:
        client.append(folder, raw)
    client.logout()


def _replies(world, emails, text="Sounds interesting, let's talk."):
    return [compose_reply(world.original(e), f"P <{e}>", text, client="gmail") for e in emails]


def test_sync_fetches_only_new_messages_and_leaves_them_unread(dovecot, world) -> None:
    folder = f"Replies-{world.workspace[-6:]}"
    _append(dovecot, folder, _replies(world, ["mark@acme-corp.com", "julia@acme-corp.com",
                                              "ivan@severtrans.ru"]))
    box = _mailbox(dovecot, [folder])
    with world.connect() as conn:
        first = sync_mailbox(conn, world.workspace_id, box)
        assert (first.fetched, first.stored) == (3, 3)  # two batches of 2 and 1
        assert sync_mailbox(conn, world.workspace_id, box).fetched == 0
        cursor = conn.execute("select last_uid from mailbox_cursors where workspace_id = %s",
                              (world.workspace_id,)).fetchone()
        assert cursor["last_uid"] == 3
    _append(dovecot, folder, _replies(world, ["mark@acme-corp.com"], "One more thing: pricing?"))
    with world.connect() as conn:
        assert sync_mailbox(conn, world.workspace_id, box).fetched == 1
    box.close()
    client = _client(dovecot)
    client.select_folder(folder, readonly=True)
    assert client.search(["UNSEEN"]) == [1, 2, 3, 4]  # BODY.PEEK: nothing marked read
    client.logout()
    report = process(world.settings)
    assert report.processed == 4 and report.matched == 4


def test_uidvalidity_change_refetches_without_duplicates(dovecot, world) -> None:
    folder = f"Renumbered-{world.workspace[-6:]}"
    raws = _replies(world, ["mark@acme-corp.com", "julia@acme-corp.com"])
    _append(dovecot, folder, raws)
    box = _mailbox(dovecot, [folder])
    with world.connect() as conn:
        assert sync_mailbox(conn, world.workspace_id, box).stored == 2
    box.close()
    # Deleting and recreating the folder gives it a new UIDVALIDITY (a server restore does too).
    client = _client(dovecot)
    before = client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"]
    client.delete_folder(folder)
    client.logout()
    _append(dovecot, folder, [*raws, *_replies(world, ["ivan@severtrans.ru"])])
    client = _client(dovecot)
    after = client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"]
    client.logout()
    assert after != before
    box = _mailbox(dovecot, [folder])
    with world.connect() as conn:
        report = sync_mailbox(conn, world.workspace_id, box)
        assert (report.fetched, report.stored) == (3, 1)  # the two old ones are known
        row = conn.execute("select uidvalidity, last_uid from mailbox_cursors"
                           " where workspace_id = %s", (world.workspace_id,)).fetchone()
        assert (row["uidvalidity"], row["last_uid"]) == (after, 3)
        count = conn.execute("select count(*) as n from reply_events where workspace_id = %s",
                             (world.workspace_id,)).fetchone()["n"]
        assert count == 3
    box.close()


def test_sent_and_drafts_folders_are_never_read_as_replies(dovecot) -> None:
    for folder in ("Sent", "Drafts"):
        with pytest.raises(ConfigError, match="sent mail or drafts"):
            _mailbox(dovecot, [folder]).poll_token()


def test_poll_token_changes_only_with_new_mail(dovecot, world) -> None:
    folder = f"Poll-{world.workspace[-6:]}"
    _append(dovecot, folder, _replies(world, ["mark@acme-corp.com"]))
    box = _mailbox(dovecot, [folder])
    token = box.poll_token()
    assert box.poll_token() == token
    _append(dovecot, folder, _replies(world, ["julia@acme-corp.com"]))
    assert box.poll_token() != token
    box.close()


def test_wrong_password_is_a_config_error_naming_the_variable(dovecot) -> None:
    box = ImapMailbox(dovecot.host, dovecot.port, "replies", "wrong", ssl=False)
    with pytest.raises(ConfigError, match="GTM_MAIL_IMAP_PASSWORD"):
        box.poll_token()
