"""OAuth 2.0 flows for the service account: client credentials, JWT bearer, web server + PKCE.

Username-password and SOAP login are being retired by Salesforce and are not offered.
Formats: "OAuth 2.0 Client Credentials Flow for Server-to-Server Integration", "OAuth 2.0 JWT
Bearer Flow for Server-to-Server Integration", "OAuth 2.0 Web Server Flow for Web App
Integration" (with PKCE), "Revoke OAuth Tokens", "Identity URLs" in Salesforce Help.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from actions.errors import AuthorizationFailed, InvalidInput, SalesforceUnavailable

FLOWS = ("client_credentials", "jwt", "web")

SCOPE_DESCRIPTIONS: dict[str, str] = {
    "api": "Read and change Salesforce records through the REST and SOAP APIs, "
    "with the integration user's permissions (every action needs it).",
    "id": "Read the integration user's identity (user id, org id, username) "
    "to verify the connection.",
    "refresh_token": "Stay connected without a person present: Salesforce issues a refresh "
    "token (web flow only; the same as offline_access).",
}

REQUESTED_SCOPES: dict[str, tuple[str, ...]] = {
    # Client credentials and JWT tokens carry the scopes set on the connected app itself.
    "client_credentials": ("api", "id"),
    "jwt": ("api", "id"),
    "web": ("api", "id", "refresh_token"),
}

JWT_LIFETIME_SECONDS = 170  # Salesforce accepts at most 3 minutes.


@dataclass(frozen=True)
class TokenResponse:
    access_token: str = field(repr=False)
    instance_url: str
    id_url: str
    scopes: tuple[str, ...]
    refresh_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Identity:
    user_id: str
    org_id: str
    username: str


def normalize_login_url(login_url: str) -> str:
    """``https://host[:port]`` with no path; anything else is refused."""
    parts = urlsplit(login_url.strip())
    if parts.scheme != "https" or not parts.netloc:
        raise InvalidInput(
            "the login URL must be an https URL such as https://login.salesforce.com or "
            "https://yourdomain.my.salesforce.com",
            code="INVALID_LOGIN_URL",
            fields=["login_url"],
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InvalidInput(
            "the login URL must not have a path", code="INVALID_LOGIN_URL", fields=["login_url"]
        )
    return f"https://{parts.netloc}"


def load_private_key(pem: str) -> RSAPrivateKey:
    try:
        key = load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(
            "the private key is not an unencrypted PEM private key",
            code="INVALID_PRIVATE_KEY",
            fields=["private_key"],
        ) from exc
    if not isinstance(key, RSAPrivateKey):
        raise InvalidInput(
            "the JWT bearer flow needs an RSA private key (RS256)",
            code="INVALID_PRIVATE_KEY",
            fields=["private_key"],
        )
    return key


def _post_token(http: requests.Session, login_url: str, data: dict[str, str]) -> TokenResponse:
    url = f"{login_url}/services/oauth2/token"
    try:
        resp = http.post(url, data=data, headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise SalesforceUnavailable(
            f"could not reach Salesforce at {login_url}: {type(exc).__name__}"
        ) from exc
    body = _json_or_none(resp)
    if resp.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
        error = body.get("error") if isinstance(body, dict) else None
        description = body.get("error_description") if isinstance(body, dict) else None
        if resp.status_code >= 500 or error is None:
            raise SalesforceUnavailable(
                f"Salesforce's token endpoint answered HTTP {resp.status_code}"
            )
        raise AuthorizationFailed(
            f"Salesforce refused the credentials: {description or error}", code=str(error)
        )
    return TokenResponse(
        access_token=body["access_token"],
        instance_url=body["instance_url"].rstrip("/"),
        id_url=body["id"],
        scopes=tuple(str(body.get("scope", "")).split()),
        refresh_token=body.get("refresh_token"),
    )


def _json_or_none(resp: requests.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None


def client_credentials_token(
    http: requests.Session, login_url: str, client_id: str, client_secret: str
) -> TokenResponse:
    return _post_token(
        http,
        login_url,
        {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        },
    )


def jwt_audience(login_url: str) -> str:
    """The ``aud`` Salesforce expects ("OAuth 2.0 JWT Bearer Flow": login.salesforce.com,
    test.salesforce.com for sandboxes, or an Experience Cloud site's URL). The token is
    still requested from ``login_url`` (a My Domain URL works there)."""
    host = urlsplit(login_url).hostname or ""
    if host in ("login.salesforce.com", "test.salesforce.com"):
        return f"https://{host}"
    if host.endswith(".sandbox.my.salesforce.com"):
        return "https://test.salesforce.com"
    if host.endswith(".my.salesforce.com"):
        return "https://login.salesforce.com"
    return login_url  # an Experience Cloud site (or another login host) is its own audience


def jwt_assertion(login_url: str, client_id: str, username: str, private_key_pem: str) -> str:
    """An RS256 assertion: iss = client id, sub = username, aud = the login audience (see
    ``jwt_audience``), exp <= 3 minutes."""
    key = load_private_key(private_key_pem)
    claims = {
        "iss": client_id,
        "sub": username,
        "aud": jwt_audience(login_url),
        "exp": int(time.time()) + JWT_LIFETIME_SECONDS,
    }
    return jwt.encode(claims, key, algorithm="RS256")


def jwt_bearer_token(
    http: requests.Session, login_url: str, client_id: str, username: str, private_key_pem: str
) -> TokenResponse:
    return _post_token(
        http,
        login_url,
        {
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": jwt_assertion(login_url, client_id, username, private_key_pem),
        },
    )


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


def authorize_url(
    login_url: str, client_id: str, redirect_uri: str, code_challenge: str, state: str
) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(REQUESTED_SCOPES["web"]),
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
            "state": state,
            "prompt": "login consent",
        }
    )
    return f"{login_url}/services/oauth2/authorize?{query}"


def exchange_code(
    http: requests.Session,
    login_url: str,
    client_id: str,
    client_secret: str | None,
    code: str,
    code_verifier: str,
    redirect_uri: str,
) -> TokenResponse:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    if client_secret:
        data["client_secret"] = client_secret
    token = _post_token(http, login_url, data)
    if not token.refresh_token:
        raise AuthorizationFailed(
            "Salesforce issued no refresh token: add the refresh_token (offline_access) scope "
            "to the connected app",
            code="NO_REFRESH_TOKEN",
        )
    return token


def refresh_token_grant(
    http: requests.Session,
    login_url: str,
    client_id: str,
    client_secret: str | None,
    refresh_token: str,
) -> TokenResponse:
    data = {"grant_type": "refresh_token", "client_id": client_id, "refresh_token": refresh_token}
    if client_secret:
        data["client_secret"] = client_secret
    return _post_token(http, login_url, data)


def fetch_identity(http: requests.Session, id_url: str, access_token: str) -> Identity:
    try:
        resp = http.get(
            id_url,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        )
    except requests.RequestException as exc:
        raise SalesforceUnavailable(
            f"could not reach the identity URL: {type(exc).__name__}"
        ) from exc
    body = _json_or_none(resp)
    if resp.status_code != 200 or not isinstance(body, dict):
        raise AuthorizationFailed(
            f"the identity URL refused the new token (HTTP {resp.status_code}); "
            "does the connected app grant the 'id' scope?",
            code="IDENTITY_REFUSED",
        )
    return Identity(
        user_id=body["user_id"], org_id=body["organization_id"], username=body["username"]
    )


def latest_api_version(http: requests.Session, instance_url: str) -> str:
    """The newest REST API version the org offers (``GET /services/data/``, no auth needed)."""
    try:
        resp = http.get(f"{instance_url}/services/data/", headers={"Accept": "application/json"})
        resp.raise_for_status()
        versions = resp.json()
    except (requests.RequestException, ValueError) as exc:
        raise SalesforceUnavailable(
            f"could not list the API versions of {instance_url}: {type(exc).__name__}"
        ) from exc
    return max((v["version"] for v in versions), key=lambda v: tuple(int(p) for p in v.split(".")))


def revoke(http: requests.Session, login_url: str, token: str) -> bool:
    """Revoke a token; True when Salesforce confirmed (an already invalid token also counts)."""
    try:
        resp = http.post(f"{login_url}/services/oauth2/revoke", data={"token": token})
    except requests.RequestException:
        return False
    return resp.status_code == 200 or (
        resp.status_code == 400 and "unsupported_token_type" in resp.text
    )
