"""OAuth 2.0 endpoints of the login server (Salesforce Help, "OAuth Authorization Flows").

* Token response (e.g. "OAuth 2.0 Client Credentials Flow for Server-to-Server Integration",
  remoteaccess_oauth_client_credentials_flow.htm, and the web server flow page):
  access_token, signature (Base64 HMAC-SHA256 of id + issued_at keyed by the consumer secret),
  scope, instance_url, id (identity URL), token_type "Bearer", issued_at (ms since epoch, as a
  string); refresh_token only from the web server flow when refresh_token/offline_access was
  granted. Client credentials may come as form fields or HTTP Basic.
* JWT bearer ("OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration",
  remoteaccess_oauth_jwt_flow.htm): grant_type urn:ietf:params:oauth:grant-type:jwt-bearer,
  RS256 assertion with iss = consumer key, sub = username, aud = the login URL, exp = "the
  expiration time of the assertion within 3 minutes"; errors per RFC 7523, e.g.
  {"error":"invalid_grant","error_description":"Audience validation failed"}.
* Web server flow + PKCE ("OAuth 2.0 Web Server Flow for Web App Integration"):
  /services/oauth2/authorize?response_type=code&client_id&redirect_uri&code_challenge
  (base64url SHA-256 of code_verifier)&state -> redirect with code & state; token grant
  authorization_code with code_verifier; a wrong verifier answers invalid_grant
  "invalid code verifier".
* Refresh ("OAuth 2.0 Refresh Token Flow"): errors like
  {"error":"invalid_grant","error_description":"expired access/refresh token"}.
* Revoke ("Revoke OAuth Tokens", remoteaccess_revoke_token.htm, /services/oauth2/revoke):
  POST token=...; a refresh token revokes its access tokens too; 200 on success; a token it
  does not know (or already revoked) is 400 {"error": "unsupported_token_type"}.
* Scopes ("OAuth Tokens and Scopes", remoteaccess_oauth_tokens_scopes.htm): `api` "allows
  access to the current, logged-in user's account using APIs, such as REST API"; `id` "allows
  access to the identity URL service"; `full` "encompasses all other scopes". A token without
  `api`/`full` gets 401 INVALID_SESSION_ID "This session is not valid for use with the REST
  API" (Salesforce Help, knowledge article 005226515) and the same session fault from SOAP; a
  token without `id`/`full` gets 403 Bad_OAuth_Token from the identity URL.
* JWT `aud` ("OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration"): "If you're
  implementing this flow for an Experience Cloud site, use the Experience Cloud site URL", else
  https://login.salesforce.com, or https://test.salesforce.com for a sandbox. The emulator is
  told which kind of org it is (``org_kind``) and which site URLs it serves
  (``experience_sites``); anything else is "Audience validation failed".
* "Require Secret for Web Server Flow" and "Require Secret for Refresh Token Flow" are on by
  default for a new connected app ("Configure Basic Connected App Settings" /
  "Enable OAuth Settings for API Integration"): the token endpoint then needs client_secret
  for those grants, else invalid_client "invalid client credentials". Every connected app
  has a consumer secret (one is made up when a test does not give one).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import jwt

from .errors import OAuthError

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
AUDIENCES = {"production": "https://login.salesforce.com", "sandbox": "https://test.salesforce.com"}


def allows(scopes: tuple[str, ...], scope: str) -> bool:
    """Whether a token with ``scopes`` may use what ``scope`` guards (``full`` allows all)."""
    return scope in scopes or "full" in scopes


@dataclass
class App:
    client_id: str
    client_secret: str | None
    public_key_pem: str | None
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    require_secret_web_server: bool = True
    require_secret_refresh: bool = True


@dataclass
class AccessToken:
    client_id: str
    user_id: str
    scopes: tuple[str, ...]
    refresh: str | None = None
    expired: bool = False
    revoked: bool = False

    @property
    def valid(self) -> bool:
        return not (self.expired or self.revoked)


@dataclass
class RefreshToken:
    client_id: str
    user_id: str
    scopes: tuple[str, ...]
    revoked: bool = False
    access: list[str] = field(default_factory=list)


@dataclass
class AuthCode:
    client_id: str
    redirect_uri: str
    challenge: str | None
    scopes: tuple[str, ...]
    expires: float
    used: bool = False


class OAuth:
    def __init__(self, emu) -> None:
        self.emu = emu
        self.apps: dict[str, App] = {}
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, RefreshToken] = {}
        self.codes: dict[str, AuthCode] = {}

    # -- tokens ---------------------------------------------------------------------------
    def lookup(self, token: str | None) -> AccessToken | None:
        info = self.access.get(token or "")
        return info if info is not None and info.valid else None

    def _issue(self, app: App, user_id: str, scopes: tuple[str, ...], with_refresh: bool) -> dict:
        emu = self.emu
        access = f"{emu.org_id[:15]}!{secrets.token_urlsafe(72)}"
        self.access[access] = AccessToken(app.client_id, user_id, scopes)
        issued_at = str(int(time.time() * 1000))
        identity = f"{emu.login_url}/id/{emu.org_id}/{user_id}"
        body: dict = {"access_token": access}
        if with_refresh and ({"refresh_token", "offline_access"} & set(scopes)):
            refresh = f"5Aep861{secrets.token_urlsafe(60)}"
            self.refresh[refresh] = RefreshToken(app.client_id, user_id, scopes, access=[access])
            self.access[access].refresh = refresh
            body["refresh_token"] = refresh
        if app.client_secret:
            mac = hmac.new(
                app.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256
            )
            body["signature"] = base64.b64encode(mac.digest()).decode()
        body.update(
            scope=" ".join(scopes),
            instance_url=emu.instance_url,
            id=identity,
            token_type="Bearer",
            issued_at=issued_at,
        )
        return body

    def _app(self, client_id: str | None) -> App:
        app = self.apps.get(client_id or "")
        if app is None:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        return app

    @staticmethod
    def _check_secret(app: App, secret: str | None, required: bool) -> None:
        if secret is None and not required:
            return
        if not app.client_secret or not hmac.compare_digest(app.client_secret, secret or ""):
            raise OAuthError("invalid_client", "invalid client credentials")

    # -- /services/oauth2/token -------------------------------------------------------------
    def token(self, form: dict[str, str], basic: tuple[str, str] | None) -> dict:
        grant = form.get("grant_type")
        if basic:
            form = {**form, "client_id": basic[0], "client_secret": basic[1]}
        if grant == "client_credentials":
            app = self._app(form.get("client_id"))
            self._check_secret(app, form.get("client_secret"), required=True)
            return self._issue(app, self.emu.user_id, self._no_refresh(app.scopes), False)
        if grant == JWT_GRANT:
            return self._jwt(form.get("assertion") or "")
        if grant == "authorization_code":
            return self._code(form)
        if grant == "refresh_token":
            info = self.refresh.get(form.get("refresh_token") or "")
            if info is None or info.revoked:
                raise OAuthError("invalid_grant", "expired access/refresh token")
            app = self._app(form.get("client_id") or info.client_id)
            if app.client_id != info.client_id:
                raise OAuthError("invalid_grant", "expired access/refresh token")
            self._check_secret(app, form.get("client_secret"), app.require_secret_refresh)
            body = self._issue(app, info.user_id, info.scopes, False)
            info.access.append(body["access_token"])
            return body
        if not grant:
            raise OAuthError("invalid_request", "grant type is required")
        raise OAuthError("unsupported_grant_type", "grant type not supported")

    @staticmethod
    def _no_refresh(scopes: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(s for s in scopes if s not in {"refresh_token", "offline_access"})

    def _jwt(self, assertion: str) -> dict:
        try:
            claims = jwt.decode(assertion, options={"verify_signature": False})
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError:
            raise OAuthError("invalid_grant", "invalid assertion") from None
        app = self._app(claims.get("iss"))
        if not app.public_key_pem or header.get("alg") != "RS256":
            raise OAuthError("invalid_grant", "invalid assertion")
        try:
            jwt.decode(
                assertion,
                app.public_key_pem,
                algorithms=["RS256"],
                options={"verify_aud": False, "verify_exp": False},
            )
        except jwt.PyJWTError:
            raise OAuthError("invalid_grant", "invalid assertion") from None
        aud = claims.get("aud")
        auds = aud if isinstance(aud, list) else [aud]
        accepted = {AUDIENCES[self.emu.org_kind], *self.emu.experience_sites}
        if not accepted & set(auds):
            raise OAuthError("invalid_grant", "Audience validation failed")
        exp = claims.get("exp")
        now = time.time()
        if not isinstance(exp, int | float):
            raise OAuthError("invalid_grant", "invalid assertion")
        if exp <= now:
            raise OAuthError("invalid_grant", "expired authorization code")
        if exp > now + 180:
            raise OAuthError("invalid_grant", "invalid assertion")
        user = self.emu.user_by_username(claims.get("sub") or claims.get("prn"))
        if user is None:
            raise OAuthError("invalid_grant", "user hasn't approved this consumer")
        return self._issue(app, user, self._no_refresh(app.scopes), False)

    def _code(self, form: dict[str, str]) -> dict:
        app = self._app(form.get("client_id"))
        info = self.codes.get(form.get("code") or "")
        if info is None or info.used or info.client_id != app.client_id:
            raise OAuthError("invalid_grant", "invalid authorization code")
        info.used = True
        if info.expires < time.time():
            raise OAuthError("invalid_grant", "expired authorization code")
        if form.get("redirect_uri") != info.redirect_uri:
            raise OAuthError("redirect_uri_mismatch", "redirect_uri must match configuration")
        self._check_secret(app, form.get("client_secret"), app.require_secret_web_server)
        if info.challenge is not None:
            verifier = form.get("code_verifier") or ""
            digest = hashlib.sha256(verifier.encode()).digest()
            expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if not verifier or not hmac.compare_digest(expected, info.challenge):
                raise OAuthError("invalid_grant", "invalid code verifier")
        return self._issue(app, self.emu.user_id, info.scopes, True)

    # -- /services/oauth2/authorize ---------------------------------------------------------
    def authorize(self, q: dict[str, str]) -> tuple[int, str]:
        """Return (status, location-or-error-text). Auto-approves as the logged-in admin."""
        app = self.apps.get(q.get("client_id") or "")
        if app is None:
            return 400, "error=invalid_client_id&error_description=client+identifier+invalid"
        redirect = q.get("redirect_uri") or ""
        if redirect not in app.redirect_uris:
            return 400, "error=redirect_uri_mismatch&error_description=redirect_uri+must+match"
        state = {"state": q["state"]} if "state" in q else {}

        def fail(err: str, desc: str) -> tuple[int, str]:
            return 302, redirect + "?" + urlencode(
                {"error": err, "error_description": desc, **state}
            )

        if q.get("response_type") != "code":
            return fail("unsupported_response_type", "response type not supported")
        requested = tuple((q.get("scope") or " ".join(app.scopes)).split())
        if not set(requested) <= set(app.scopes) | {"id", "openid"}:
            return fail("invalid_scope", "the requested scope is not allowed")
        challenge = q.get("code_challenge")
        if challenge is not None and q.get("code_challenge_method", "S256") != "S256":
            return fail("invalid_request", "invalid code_challenge_method")
        code = "aPrx" + secrets.token_urlsafe(40)
        self.codes[code] = AuthCode(
            app.client_id, redirect, challenge, requested, time.time() + 15 * 60
        )
        return 302, redirect + "?" + urlencode({"code": code, **state})

    # -- /services/oauth2/revoke ------------------------------------------------------------
    def revoke(self, token: str | None) -> None:
        if token in self.access and not self.access[token].revoked:
            self.access[token].revoked = True
            return
        if token in self.refresh and not self.refresh[token].revoked:
            info = self.refresh[token]
            info.revoked = True
            for access in info.access:
                self.access[access].revoked = True
            return
        raise OAuthError("unsupported_token_type", "this token type is not supported")

    def expire_all(self) -> None:
        for info in self.access.values():
            info.expired = True
