"""A TCP proxy on loopback that adds a fixed one-way delay to every byte, in both directions.

It stands in for the network between the application and a remote PostgreSQL (Supabase): each
chunk read from one side is written to the other `delay` seconds after it arrived, in order.
Chunks in flight overlap, as on a real link: a chunk waits only for its own deadline (and for
the chunks before it), so a statement-per-round-trip client pays `2 * delay` per statement while
a stream (COPY) pays the delay about once. No bandwidth limit, loss or jitter is modelled.

Each connection gets four threads: per direction, a reader stamping chunks with their due time
into a queue, and a writer sleeping until each is due (coalescing chunks already due into one
send). Run it in its own process (the benchmark does) so its threads do not share a GIL with the
client being measured.

    python benchmarks/latency_proxy.py --target-unix /tmp/sock/.s.PGSQL.5432 --delay-ms 0.5
prints `listening 127.0.0.1:PORT` once ready and serves until terminated.
"""

from __future__ import annotations

import argparse
import queue
import signal
import socket
import sys
import threading
import time

_CHUNK = 256 * 1024


class LatencyProxy:
    """Listen on `host:port` (0: any free port) and forward each connection to `target`: a Unix
    socket path (str) or a (host, port) pair, delaying every chunk by `one_way_delay` seconds."""

    def __init__(self, target: str | tuple[str, int], one_way_delay: float,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.target = target
        self.delay = one_way_delay
        self._listener = socket.create_server((host, port))
        self.address = self._listener.getsockname()[:2]
        self._closed = threading.Event()

    @property
    def port(self) -> int:
        return self.address[1]

    def start(self) -> LatencyProxy:
        threading.Thread(target=self._accept, name="proxy-accept", daemon=True).start()
        return self

    def close(self) -> None:
        self._closed.set()
        self._listener.close()

    def __enter__(self) -> LatencyProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def _connect_target(self) -> socket.socket:
        if isinstance(self.target, str):
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.target)
        else:
            upstream = socket.create_connection(self.target)
            upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return upstream

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                upstream = self._connect_target()
            except OSError:
                client.close()
                continue
            _Link(client, upstream, self.delay).start()


class _Link:
    """One proxied connection: two delayed directions; both sockets close when both are done."""

    def __init__(self, a: socket.socket, b: socket.socket, delay: float) -> None:
        self.sockets = (a, b)
        self.delay = delay
        self._open_directions = 2
        self._lock = threading.Lock()

    def start(self) -> None:
        a, b = self.sockets
        for src, dst in ((a, b), (b, a)):
            pending: queue.SimpleQueue = queue.SimpleQueue()
            threading.Thread(target=self._read, args=(src, pending), daemon=True).start()
            threading.Thread(target=self._write, args=(dst, pending), daemon=True).start()

    def _read(self, src: socket.socket, pending: queue.SimpleQueue) -> None:
        while True:
            try:
                data = src.recv(_CHUNK)
            except OSError:
                data = b""
            pending.put((time.monotonic() + self.delay, data))
            if not data:
                return

    def _write(self, dst: socket.socket, pending: queue.SimpleQueue) -> None:
        alive, held = True, None
        while True:
            due, data = held or pending.get()
            held = None
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            parts = [data]
            while data:  # send the chunks already due with this one in one call
                try:
                    held = pending.get_nowait()
                except queue.Empty:
                    break
                if held[0] > time.monotonic():
                    break  # not due yet: the next round waits for it
                data, held = held[1], None
                parts.append(data)
            if alive and any(parts):
                try:
                    dst.sendall(b"".join(parts))
                except OSError:
                    alive = False  # the peer is gone: discard the rest, keep draining to EOF
            if not data:
                break
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        with self._lock:
            self._open_directions -= 1
            done = self._open_directions == 0
        for s in self.sockets:
            try:
                if done:
                    s.close()
                elif not alive:
                    s.shutdown(socket.SHUT_RDWR)  # wake the other direction's reader
            except OSError:
                pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--target-unix", help="Unix socket path to forward to")
    target.add_argument("--target-tcp", help="host:port to forward to")
    parser.add_argument("--delay-ms", type=float, default=0.5, help="one-way delay (ms)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    if args.target_unix:
        dest: str | tuple[str, int] = args.target_unix
    else:
        host, _, port = args.target_tcp.rpartition(":")
        dest = (host, int(port))
    proxy = LatencyProxy(dest, args.delay_ms / 1000, args.host, args.port).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"listening {proxy.address[0]}:{proxy.port}", flush=True)
    stop.wait()
    proxy.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
