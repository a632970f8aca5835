"""Threaded HTTPS servers with HTTP/1.1 keep-alive (Content-Length on every response).

The TLS handshake runs in the connection's own thread (not in accept()), so one slow client
cannot stall the listener. Every accepted TCP connection is reported to the emulator so tests
can check that the client reuses connections.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    kind: str  # "login" or "instance"
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, ctx: ssl.SSLContext, emu, kind: str) -> None:
        self.ctx = ctx
        self.emu = emu
        self.kind = kind
        self.open_connections: set[socket.socket] = set()
        self.conn_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        return self.ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address) -> None:
        return  # client went away / failed TLS: nothing to report

    def close_connections(self) -> None:
        with self.conn_lock:
            conns = list(self.open_connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sfdcedge"
    sys_version = ""
    timeout = 30
    server: _TLSServer

    def setup(self) -> None:
        super().setup()
        with self.server.conn_lock:
            self.server.open_connections.add(self.connection)
        self.server.emu._connection_opened(self.server.kind)

    def finish(self) -> None:
        with self.server.conn_lock:
            self.server.open_connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args) -> None:
        return

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        path, _, query = self.path.partition("?")
        req = Request(
            self.server.kind,
            self.command,
            path,
            query,
            {k: v for k, v in self.headers.items()},
            self._read_body(),
        )
        resp = self.server.emu._dispatch(req)
        self.send_response(resp.status)
        for key, value in resp.headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if self.command != "HEAD" and resp.body:
            self.wfile.write(resp.body)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = do_HEAD = _serve


def start(ctx: ssl.SSLContext, emu, kind: str) -> tuple[_TLSServer, threading.Thread]:
    srv = _TLSServer(ctx, emu, kind)
    thread = threading.Thread(
        target=srv.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"sf-emulator-{kind}",
        daemon=True,
    )
    thread.start()
    return srv, thread


def stop(srv: _TLSServer, thread: threading.Thread) -> None:
    srv.shutdown()
    srv.close_connections()
    srv.server_close()
    thread.join(timeout=5)
