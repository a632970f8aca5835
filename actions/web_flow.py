"""The local callback of the web-server flow: receive ``?code=...&state=...`` once."""

from __future__ import annotations

import secrets
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

from actions.errors import AuthorizationFailed, InvalidInput

CALLBACK_PATH = "/callback"


def redirect_uri(port: int) -> str:
    return f"http://localhost:{port}{CALLBACK_PATH}"


def new_state() -> str:
    return secrets.token_urlsafe(24)


class CallbackServer:
    """Listens on 127.0.0.1:port until Salesforce redirects the admin's browser back."""

    def __init__(self, port: int, state: str) -> None:
        self.state = state
        self.code: str | None = None
        self.error: str | None = None
        self._done = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != CALLBACK_PATH:
                    self.send_error(404)
                    return
                query = parse_qs(parts.query)
                if query.get("state", [""])[0] != outer.state:
                    outer.error = "the callback's state does not match (possible forgery)"
                elif "error" in query:
                    outer.error = query.get("error_description", query["error"])[0]
                else:
                    outer.code = query.get("code", [""])[0] or None
                    if outer.code is None:
                        outer.error = "the callback carried no code"
                body = (
                    b"sfbot: Salesforce connected, you can close this tab."
                    if outer.error is None
                    else b"sfbot: connection failed; see the terminal."
                )
                self.send_response(200 if outer.error is None else 400)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                outer._done.set()

            def log_message(self, format: str, *args: object) -> None:
                return  # the query string holds the authorization code: never log it

        try:
            self._server = HTTPServer(("127.0.0.1", port), Handler)
        except OSError as exc:
            raise InvalidInput(
                f"cannot listen on port {port} for the callback: {exc.strerror}",
                code="PORT_UNAVAILABLE",
                fields=["redirect_port"],
            ) from exc
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> CallbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait(self, timeout: float) -> str:
        if not self._done.wait(timeout):
            raise AuthorizationFailed(
                f"no answer from Salesforce within {int(timeout)} s", code="CALLBACK_TIMEOUT"
            )
        if self.error is not None or self.code is None:
            raise AuthorizationFailed(self.error or "no code", code="CALLBACK_FAILED")
        return self.code
