"""SalesforceEmulator: the public face of the fake (login server + instance server)."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import secrets
import shutil
import threading
from urllib.parse import parse_qs, unquote

from . import server, soap, tls
from .catalog import build_catalog
from .duplicates import SEEDED_RULES, rule_header
from .errors import OAuthError, SFError, invalid_session, not_found
from .identity import serve_identity
from .ids import IdFactory
from .oauth import App, OAuth, allows
from .rest import MIN_VERSION, Rest, versions
from .seed import seed_org
from .store import Store, serialize

_JSON = ("Content-Type", "application/json;charset=UTF-8")
_DATA_RE = re.compile(r"^/services/data/v(\d+\.\d)(?:/(.*))?$")
_SOAP_RE = re.compile(r"^/services/Soap/u/(\d+\.\d)(?:/[0-9A-Za-z]{15,18})?/?$")
_ID_RE = re.compile(r"^/id/([0-9A-Za-z]{15,18})/([0-9A-Za-z]{15,18})/?$")


def _form(text: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}


def _header(req: server.Request, name: str) -> str:
    return next((v for k, v in req.headers.items() if k.lower() == name.lower()), "")


def _json(status: int, obj: object, extra: list | None = None) -> server.Response:
    return server.Response(status, json.dumps(obj).encode(), [_JSON, *(extra or [])])


class SalesforceEmulator:
    def __init__(self, api_version: str = "62.0") -> None:
        self.api_version = api_version
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._ids = IdFactory()
        self.store = Store(build_catalog(), self._ids)
        self.store.version = api_version
        self.oauth = OAuth(self)
        self.rest = Rest(self)
        self.org_id = self._ids.new("00D")
        self.delay = 0.0
        self.org_kind = "production"  # or "sandbox": the JWT audience it accepts (oauth.py)
        self.experience_sites: set[str] = set()  # Experience Cloud site URLs (JWT audiences)
        self.query_batch_size = 2000
        self.api_usage = (0, 100000)
        self._fails: list[dict] = []
        self._hangs: list[dict] = []
        self._lost_answers: list[dict] = []
        self.reset_counters()
        self._servers: list = []
        self._tmpdir: str | None = None
        self.ca_bundle = ""
        self.login_url = ""
        self.instance_url = ""
        seed_org(self)

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> SalesforceEmulator:
        self._tmpdir, self.ca_bundle, ctx = tls.make_pki()
        self._stopping.clear()
        for kind in ("login", "instance"):
            srv, thread = server.start(ctx, self, kind)
            self._servers.append((srv, thread))
            setattr(self, f"{kind}_url", f"https://127.0.0.1:{srv.server_address[1]}")
        return self

    def stop(self) -> None:
        self._stopping.set()
        for srv, thread in self._servers:
            server.stop(srv, thread)
        self._servers = []
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> SalesforceEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- configuration / test helpers -----------------------------------------------------
    def add_connected_app(
        self,
        client_id: str,
        client_secret: str | None = None,
        public_key_pem: str | bytes | None = None,
        redirect_uris=("http://localhost:8717/callback",),
        scopes=("api", "id", "refresh_token"),  # README.md: what admins are told to grant
        require_secret_web_server: bool = True,
        require_secret_refresh: bool = True,
    ) -> None:
        if isinstance(public_key_pem, bytes):
            public_key_pem = public_key_pem.decode()
        secret = client_secret or secrets.token_hex(32)  # every connected app has one
        with self._lock:
            self.oauth.apps[client_id] = App(
                client_id,
                secret,
                public_key_pem,
                tuple(redirect_uris),
                tuple(scopes),
                require_secret_web_server,
                require_secret_refresh,
            )

    def expire_all_tokens(self) -> None:
        with self._lock:
            self.oauth.expire_all()

    def reset_counters(self) -> None:
        with self._lock:
            self.api_calls = 0
            self.token_requests = 0
            self.token_requests_by_grant: dict[str, int] = {}
            self.request_log: list[dict] = []
            self.connections_opened = 0

    def fail_next(self, status: int, body: object, path_contains: str = "", times: int = 1) -> None:
        with self._lock:
            self._fails.append(
                {"status": status, "body": body, "path": path_contains, "left": times}
            )

    def hang_next(self, path_contains: str, seconds: float) -> None:
        with self._lock:
            self._hangs.append({"path": path_contains, "seconds": seconds, "left": 1})

    def lose_next_answer(
        self, method: str, path_contains: str, *, status: int = 0, seconds: float = 0.0
    ) -> None:
        """Fault injection: carry out the next matching request (the write is committed), then
        lose its answer: wait ``seconds`` (past the client's read timeout) and/or answer
        ``status`` (a 500 or a gateway's 503) instead of the real response. This is what
        a client sees when Salesforce or a proxy fails after the commit."""
        with self._lock:
            self._lost_answers.append(
                {"method": method, "path": path_contains, "status": status, "seconds": seconds}
            )

    def _take_lost_answer(self, method: str, target: str) -> dict | None:
        rule = next(
            (r for r in self._lost_answers if r["method"] == method and r["path"] in target),
            None,
        )
        if rule is not None:
            self._lost_answers.remove(rule)
        return rule

    def user_by_username(self, username: object) -> str | None:
        if not isinstance(username, str):
            return None
        return next(
            (
                u["Id"]
                for u in self.store.live("User")
                if u["Username"].lower() == username.lower() and u["IsActive"]
            ),
            None,
        )

    # -- data helpers ---------------------------------------------------------------------
    def insert(self, sobject: str, fields: dict) -> str:
        with self._lock:
            obj = self.store.obj(sobject)
            if obj is None:
                raise ValueError(f"unknown sObject {sobject!r}")
            return self.store.create(obj, dict(fields), strict=False)

    def _plain(self, rec: dict) -> dict:
        obj = self.store.catalog[rec["_type"].lower()]
        return {fd.name: serialize(fd, rec.get(fd.name)) for fd in obj.fields.values()}

    def get(self, record_id: str) -> dict | None:
        with self._lock:
            rec = self.store.raw(record_id)
            return None if rec is None or rec["IsDeleted"] else self._plain(rec)

    def records(self, sobject: str) -> list[dict]:
        with self._lock:
            return [self._plain(r) for r in self.store.live(sobject)]

    def set_duplicate_rule(self, sobject: str, field: str) -> None:
        with self._lock:
            obj = self.store.obj(sobject)
            fd = obj.field(field) if obj else None
            if fd is None:
                raise ValueError(f"unknown field {sobject}.{field}")
            self.store.dup_rules.append((obj.name, fd.name))

    def activate_duplicate_rules(self, *names: str) -> None:
        """Activate seeded duplicate rules (duplicates.SEEDED_RULES); none is active at first."""
        with self._lock:
            for name in names:
                rule = SEEDED_RULES[name]
                if rule not in self.store.active_rules:
                    self.store.active_rules.append(rule)

    def count_api_call(self) -> bool:
        used, limit = self.api_usage
        if used >= limit:
            return False
        self.api_usage = (used + 1, limit)
        self.api_calls += 1
        return True

    def _connection_opened(self, kind: str) -> None:
        with self._lock:
            self.connections_opened += 1

    # -- dispatch -------------------------------------------------------------------------
    def _take(self, rules: list[dict], target: str) -> dict | None:
        for rule in rules:
            if rule["path"] in target:
                rule["left"] -= 1
                if rule["left"] <= 0:
                    rules.remove(rule)
                return rule
        return None

    def _dispatch(self, req: server.Request) -> server.Response:
        target = req.path + ("?" + req.query if req.query else "")
        with self._lock:
            self.request_log.append(
                {
                    "server": req.kind,
                    "method": req.method,
                    "path": req.path,
                    "query": req.query,
                    "headers": dict(req.headers),
                    "body": req.body.decode("utf-8", "replace"),
                }
            )
            if req.method == "POST" and req.path.rstrip("/") == "/services/oauth2/token":
                grant = _form(req.body.decode("utf-8", "replace")).get("grant_type", "")
                self.token_requests += 1
                by_grant = self.token_requests_by_grant
                by_grant[grant] = by_grant.get(grant, 0) + 1
            hang = self._take(self._hangs, target)
            fail = self._take(self._fails, target)
            lost = None if fail else self._take_lost_answer(req.method, target)
        if hang:
            self._stopping.wait(hang["seconds"])
        if req.kind == "instance" and self.delay:
            self._stopping.wait(self.delay)
        if fail:
            body = fail["body"]
            if isinstance(body, list | dict):
                return _json(fail["status"], body)
            return server.Response(
                fail["status"], str(body).encode(), [("Content-Type", "text/plain;charset=UTF-8")]
            )
        with self._lock:
            try:
                response = self._route(req)
            except OAuthError as err:
                return _json(err.status, err.body(), [("Cache-Control", "no-cache,no-store")])
        if lost:
            self._stopping.wait(lost["seconds"])
            if lost["status"]:
                return _json(
                    lost["status"],
                    [{"message": "Service Unavailable", "errorCode": "SERVER_UNAVAILABLE"}],
                )
        return response

    def _route(self, req: server.Request) -> server.Response:
        path = req.path
        if path.startswith("/services/oauth2/"):
            return self._oauth(req, path[len("/services/oauth2/") :].rstrip("/"))
        m = _ID_RE.match(path)
        if m and req.method == "GET":
            token = self._token_of(req)
            status, obj = serve_identity(self, token, _form(req.query), m.group(1), m.group(2))
            if isinstance(obj, str):
                return server.Response(status, obj.encode(), [("Content-Type", "text/plain")])
            return _json(status, obj)
        if req.kind == "instance":
            if path.rstrip("/") == "/services/data":
                return _json(200, versions(self.api_version))
            m = _DATA_RE.match(path)
            if m:
                return self._rest(req, m.group(1), m.group(2) or "")
            m = _SOAP_RE.match(path)
            if m and req.method == "POST":
                if not MIN_VERSION <= float(m.group(1)) <= float(self.api_version):
                    return _json(404, not_found().body())
                status, xml = soap.handle(self, req.body)
                return server.Response(
                    status, xml.encode(), [("Content-Type", "text/xml;charset=UTF-8")]
                )
        return _json(404, not_found().body())

    def _token_of(self, req: server.Request) -> str | None:
        auth = _header(req, "Authorization")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() in {"bearer", "oauth"} and value.strip():
            return value.strip()
        return None

    def _rest(self, req: server.Request, version: str, rest: str) -> server.Response:
        info = self.oauth.lookup(self._token_of(req))
        if info is None:
            return _json(401, invalid_session().body())
        if not allows(info.scopes, "api"):
            err = SFError(
                401, "INVALID_SESSION_ID", "This session is not valid for use with the REST API"
            )
            return _json(401, err.body())
        if not MIN_VERSION <= float(version) <= float(self.api_version):
            return _json(404, not_found().body())
        if not self.count_api_call():
            err = SFError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            return _json(403, err.body(), [self._limit_header()])
        parts = [unquote(p) for p in rest.split("/") if p]
        self.store.rule_header = rule_header(_header(req, "Sforce-Duplicate-Rule-Header"))
        try:
            status, body = self.rest.handle(req.method, version, parts, _form(req.query), req.body)
        except SFError as err:
            return _json(err.status, err.body(), [self._limit_header()])
        finally:
            self.store.rule_header = {}
        if status == 204 or body is None:
            return server.Response(status, b"", [self._limit_header()])
        return _json(status, body, [self._limit_header()])

    def _limit_header(self) -> tuple[str, str]:
        used, limit = self.api_usage
        return ("Sforce-Limit-Info", f"api-usage={used}/{limit}")

    def _oauth(self, req: server.Request, endpoint: str) -> server.Response:
        if endpoint == "token" and req.method == "POST":
            form = _form(req.body.decode("utf-8", "replace"))
            basic = None
            auth = _header(req, "Authorization")
            if auth.lower().startswith("basic "):
                with contextlib.suppress(ValueError):
                    user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
                    basic = (unquote(user), unquote(pw))
            return _json(
                200, self.oauth.token(form, basic), [("Cache-Control", "no-cache,no-store")]
            )
        if endpoint == "authorize" and req.method == "GET":
            status, where = self.oauth.authorize(_form(req.query))
            if status == 302:
                return server.Response(302, b"", [("Location", where)])
            return server.Response(400, where.encode(), [("Content-Type", "text/plain")])
        if endpoint == "revoke" and req.method in {"POST", "GET"}:
            params = _form(
                req.body.decode("utf-8", "replace") if req.method == "POST" else req.query
            )
            self.oauth.revoke(params.get("token"))
            return server.Response(200, b"")
        return _json(404, not_found().body())
