"""A real SMTP server on loopback (aiosmtpd) for the SMTP adapter's tests and the benchmark.

    with SmtpTestServer(tls="starttls", users={"anna": "s3cret"}, cert_dir=tmp_path) as server:
        config = SmtpConfig("127.0.0.1", server.port, "starttls", "anna", "s3cret",
                            ca_file=server.ca_file)

TLS uses a self-signed certificate for 127.0.0.1 made on the fly with `cryptography`, which
is also the CA file the client trusts. Recipients listed in `reject` get a 550 5.1.1 at RCPT;
`drop_after_data` closes the connection after reading a message, before answering.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _free_port() -> int:
    # aiosmtpd probes its own port after starting, so it needs the number up front.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=7))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message_id(self) -> str:
        return message_from_bytes(self.data)["Message-ID"]


@dataclass
class _Handler:
    reject: set[str]
    drop_after_data: bool = False
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      envelope.original_content or envelope.content))
        if self.drop_after_data:
            server.transport.close()
        return "250 2.0.0 queued"


class SmtpTestServer:
    def __init__(self, *, tls: str = "none", users: dict[str, str] | None = None,
                 cert_dir: Path | None = None, reject: set[str] | None = None):
        self.handler = _Handler(reject or set())
        self.users = users
        self.ca_file: Path | None = None
        kwargs: dict = {}
        if tls != "none":
            self.ca_file, key_file = self_signed_cert(cert_dir)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.ca_file, key_file)
            if tls == "ssl":
                kwargs["ssl_context"] = context
            else:
                kwargs.update(tls_context=context, require_starttls=True)
        if users is not None:
            # aiosmtpd only counts STARTTLS as TLS; an implicit-TLS session is encrypted anyway.
            kwargs.update(authenticator=self._authenticate, auth_require_tls=tls == "starttls",
                          auth_required=True)
        self.port = _free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def drop_after_data(self, on: bool = True) -> None:
        self.handler.drop_after_data = on

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and self.users.get(auth_data.login.decode()) == auth_data.password.decode())
        return AuthResult(success=ok, handled=False)

    def __enter__(self) -> SmtpTestServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
