"""A stand-in for Exa's HTTP API on loopback, for the real `exa_py.Exa` client (tests and
`benchmarks/enrich_stages.py`): `Exa(api_key=..., base_url=server.base_url)`.

`POST /search` answers `respond(body)`; by default the fixture `fixtures/exa/search_<domain>.json`
for the request's `includeDomains[0]` (shapes: fixtures/exa/README.md), or no results (still
billed, as Exa bills a search). Requests are logged with their headers; a request without an
`x-api-key` gets 401 like the real API.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "exa"
EMPTY_COST = {"total": 0.005, "search": {"neural": 0.005}}


def recorded_response(body: dict) -> dict:
    domain = (body.get("includeDomains") or [None])[0]
    path = FIXTURES / f"search_{domain}.json"
    if domain and path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return {"requestId": "0" * 32, "resolvedSearchType": "neural", "results": [],
            "searchTime": 100.0, "costDollars": EMPTY_COST}


@dataclass
class ExaTestServer:
    respond: Callable[[dict], dict] = recorded_response
    requests: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ExaTestServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server hook's name
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with owner._lock:
                    owner.requests.append({"path": self.path, "body": body,
                                           "headers": dict(self.headers)})
                if not self.headers.get("x-api-key"):
                    self._send(401, {"error": "missing x-api-key"})
                elif self.path != "/search":
                    self._send(404, {"error": f"no route {self.path}"})
                else:
                    self._send(200, owner.respond(body))

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                """Quiet: the request log is `requests`."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, name="exa-test-server",
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ExaTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
