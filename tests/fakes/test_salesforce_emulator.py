"""Tests of the Salesforce emulator itself, through real HTTPS requests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes.salesforce import SalesforceEmulator

V = "62.0"


@pytest.fixture
def emu(monkeypatch):
    with SalesforceEmulator(api_version=V) as e:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", e.ca_bundle)
        e.add_connected_app("cc-app", client_secret="cc-secret")
        yield e


def _token(emu) -> str:
    r = requests.post(
        f"{emu.login_url}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "cc-app",
            "client_secret": "cc-secret",
        },
    )
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


@pytest.fixture
def api(emu):
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {_token(emu)}"
    s.base = f"{emu.instance_url}/services/data/v{V}"  # type: ignore[attr-defined]
    return s


def q(api, soql: str) -> requests.Response:
    return api.get(f"{api.base}/query/", params={"q": soql})


def search(api, sosl: str) -> requests.Response:
    return api.get(f"{api.base}/search/", params={"q": sosl})


def _rsa_pair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pub = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return key, pub.decode()


# --------------------------------------------------------------------------------- OAuth --
def test_client_credentials_response_shape_and_signature(emu):
    r = requests.post(
        f"{emu.login_url}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "cc-app",
            "client_secret": "cc-secret",
        },
    )
    body = r.json()
    assert r.status_code == 200
    assert body["instance_url"] == emu.instance_url
    assert body["id"] == f"{emu.login_url}/id/{emu.org_id}/{emu.user_id}"
    assert body["token_type"] == "Bearer" and body["scope"] == "api id"
    assert "refresh_token" not in body and body["issued_at"].isdigit()
    mac = hmac.new(b"cc-secret", (body["id"] + body["issued_at"]).encode(), hashlib.sha256)
    assert body["signature"] == base64.b64encode(mac.digest()).decode()
    assert emu.token_requests == 1 and emu.token_requests_by_grant == {"client_credentials": 1}


def test_client_credentials_errors_and_basic_auth(emu):
    url = f"{emu.login_url}/services/oauth2/token"
    bad = requests.post(
        url,
        data={"grant_type": "client_credentials", "client_id": "cc-app", "client_secret": "nope"},
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_client"
    unknown = requests.post(
        url, data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}
    )
    assert unknown.json() == {
        "error": "invalid_client_id",
        "error_description": "client identifier invalid",
    }
    basic = requests.post(
        url, data={"grant_type": "client_credentials"}, auth=("cc-app", "cc-secret")
    )
    assert basic.status_code == 200
    assert (
        requests.post(url, data={"grant_type": "password"}).json()["error"]
        == "unsupported_grant_type"
    )


def _assertion(emu, key, **over):
    claims = {
        "iss": "jwt-app",
        "sub": emu.username,
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 120,
        **over,
    }
    return jwt.encode(claims, key, algorithm="RS256")


def test_jwt_bearer_grant(emu):
    key, pub = _rsa_pair()
    other, _ = _rsa_pair()
    emu.add_connected_app("jwt-app", public_key_pem=pub)
    url = f"{emu.login_url}/services/oauth2/token"
    grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

    def post(assertion):
        return requests.post(url, data={"grant_type": grant, "assertion": assertion})

    ok = post(_assertion(emu, key))
    assert ok.status_code == 200 and "refresh_token" not in ok.json()
    assert ok.json()["instance_url"] == emu.instance_url
    assert post(_assertion(emu, other)).json()["error"] == "invalid_grant"  # wrong key
    refused = {"error": "invalid_grant", "error_description": "Audience validation failed"}
    sandbox_aud = _assertion(emu, key, aud="https://test.salesforce.com")
    site_aud = _assertion(emu, key, aud="https://help.acme.example")
    assert post(sandbox_aud).json() == refused  # a production org
    assert post(site_aud).json() == refused  # not one of its Experience Cloud sites
    emu.org_kind = "sandbox"
    assert post(sandbox_aud).status_code == 200
    assert post(_assertion(emu, key)).json() == refused  # login.salesforce.com
    emu.experience_sites.add("https://help.acme.example")
    assert post(site_aud).status_code == 200
    emu.org_kind = "production"
    assert post(_assertion(emu, key, exp=int(time.time()) - 5)).json()["error"] == "invalid_grant"
    assert (
        post(_assertion(emu, key, exp=int(time.time()) + 600)).json()["error"] == "invalid_grant"
    )  # more than 3 minutes ahead
    assert post(_assertion(emu, key, sub="nobody@x.com")).json()["error"] == "invalid_grant"
    assert post(_assertion(emu, key, iss="who")).json()["error"] == "invalid_client_id"
    assert emu.token_requests_by_grant[grant] == 11


def _pkce():
    verifier = base64.urlsafe_b64encode(b"v" * 40).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def _authorize(emu, challenge, scope="api refresh_token"):
    r = requests.get(
        f"{emu.login_url}/services/oauth2/authorize",
        params={
            "response_type": "code",
            "client_id": "web-app",
            "redirect_uri": "http://localhost:8717/callback",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "scope": scope,
            "state": "st8",
        },
        allow_redirects=False,
    )
    assert r.status_code == 302
    loc = urlparse(r.headers["Location"])
    assert f"{loc.scheme}://{loc.netloc}{loc.path}" == "http://localhost:8717/callback"
    params = parse_qs(loc.query)
    assert params["state"] == ["st8"]
    return params["code"][0]


def test_web_server_flow_with_pkce_refresh_and_revoke(emu):
    emu.add_connected_app("web-app", client_secret="web-secret")
    verifier, challenge = _pkce()
    url = f"{emu.login_url}/services/oauth2/token"
    form = {
        "grant_type": "authorization_code",
        "client_id": "web-app",
        "client_secret": "web-secret",
        "redirect_uri": "http://localhost:8717/callback",
    }
    # "Require Secret for Web Server Flow" is on by default: PKCE alone is not enough.
    no_secret = {k: v for k, v in form.items() if k != "client_secret"}
    code = _authorize(emu, challenge)
    refused = requests.post(url, data={**no_secret, "code": code, "code_verifier": verifier})
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_client"
    code = _authorize(emu, challenge)
    wrong = requests.post(url, data={**form, "code": code, "code_verifier": "x" * 43})
    assert wrong.json() == {"error": "invalid_grant", "error_description": "invalid code verifier"}
    code = _authorize(emu, challenge)
    ok = requests.post(url, data={**form, "code": code, "code_verifier": verifier}).json()
    assert ok["refresh_token"] and ok["scope"] == "api refresh_token"
    reuse = requests.post(url, data={**form, "code": code, "code_verifier": verifier})
    assert reuse.json()["error"] == "invalid_grant"
    rest = f"{emu.instance_url}/services/data/v{V}/limits/"
    auth = {"Authorization": f"Bearer {ok['access_token']}"}
    assert requests.get(rest, headers=auth).status_code == 200
    emu.expire_all_tokens()
    expired = requests.get(rest, headers=auth)
    assert expired.status_code == 401
    assert expired.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]
    refresh = {
        "grant_type": "refresh_token",
        "client_id": "web-app",
        "refresh_token": ok["refresh_token"],
    }
    # "Require Secret for Refresh Token Flow" is on by default too.
    assert requests.post(url, data=refresh).json()["error"] == "invalid_client"
    refreshed = requests.post(url, data={**refresh, "client_secret": "web-secret"}).json()
    assert "refresh_token" not in refreshed
    auth2 = {"Authorization": f"Bearer {refreshed['access_token']}"}
    assert requests.get(rest, headers=auth2).status_code == 200
    revoke = requests.post(
        f"{emu.login_url}/services/oauth2/revoke", data={"token": ok["refresh_token"]}
    )
    assert revoke.status_code == 200
    assert requests.get(rest, headers=auth2).status_code == 401
    again = requests.post(url, data={**refresh, "client_secret": "web-secret"})
    assert again.json()["error"] == "invalid_grant"
    # An unknown (or already revoked) token: 400 unsupported_token_type, as Salesforce answers.
    for token in ("zzz", ok["refresh_token"]):
        bad = requests.post(f"{emu.login_url}/services/oauth2/revoke", data={"token": token})
        assert bad.status_code == 400 and bad.json()["error"] == "unsupported_token_type"


def test_require_secret_settings_can_be_turned_off(emu):
    emu.add_connected_app(
        "web-app", "web-secret", require_secret_web_server=False, require_secret_refresh=False
    )
    verifier, challenge = _pkce()
    url = f"{emu.login_url}/services/oauth2/token"
    code = _authorize(emu, challenge)
    body = requests.post(
        url,
        data={
            "grant_type": "authorization_code",
            "client_id": "web-app",
            "code": code,
            "redirect_uri": "http://localhost:8717/callback",
            "code_verifier": verifier,
        },
    ).json()
    assert body["refresh_token"]
    refreshed = requests.post(
        url,
        data={
            "grant_type": "refresh_token",
            "client_id": "web-app",
            "refresh_token": body["refresh_token"],
        },
    )
    assert refreshed.status_code == 200, refreshed.text
    wrong = requests.post(
        url,
        data={
            "grant_type": "refresh_token",
            "client_id": "web-app",
            "client_secret": "not-it",
            "refresh_token": body["refresh_token"],
        },
    )
    assert wrong.json()["error"] == "invalid_client"  # a secret given must still be right


@pytest.mark.parametrize(
    ("scopes", "rest", "identity"),
    [
        (("api", "id"), 200, 200),
        (("api",), 200, 403),
        (("id",), 401, 200),
        (("full",), 200, 200),
    ],
)
def test_scopes_guard_rest_soap_and_the_identity_url(emu, scopes, rest, identity):
    emu.add_connected_app("scoped", client_secret="s", scopes=scopes)
    token = requests.post(
        f"{emu.login_url}/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": "scoped", "client_secret": "s"},
    ).json()
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    r = requests.get(f"{emu.instance_url}/services/data/v{V}/limits/", headers=auth)
    assert r.status_code == rest
    if rest == 401:
        assert r.json() == [
            {
                "message": "This session is not valid for use with the REST API",
                "errorCode": "INVALID_SESSION_ID",
            }
        ]
        lead = emu.insert("Lead", {"LastName": "L", "Company": "C"})
        fault = _soap(emu, token["access_token"], _convert(lead))
        assert fault.status_code == 500 and "INVALID_SESSION_ID" in fault.text
    who = requests.get(token["id"], headers=auth)
    assert who.status_code == identity
    if identity == 403:
        assert who.text == "Bad_OAuth_Token"


def test_no_refresh_token_without_scope(emu):
    emu.add_connected_app("web-app", client_secret="web-secret", scopes=("api",))
    verifier, challenge = _pkce()
    code = _authorize(emu, challenge, scope="api")
    body = requests.post(
        f"{emu.login_url}/services/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "client_id": "web-app",
            "client_secret": "web-secret",
            "code": code,
            "redirect_uri": "http://localhost:8717/callback",
            "code_verifier": verifier,
        },
    ).json()
    assert "refresh_token" not in body and body["access_token"]


def test_identity_url(emu):
    token = _token(emu)
    url = f"{emu.login_url}/id/{emu.org_id}/{emu.user_id}"
    body = requests.get(url, headers={"Authorization": f"Bearer {token}"}).json()
    assert body["user_id"] == emu.user_id and body["organization_id"] == emu.org_id
    assert body["username"] == emu.username and body["asserted_user"] is True
    assert body["urls"]["rest"] == f"{emu.instance_url}/services/data/v{{version}}/"
    on_instance = requests.get(
        f"{emu.instance_url}/id/{emu.org_id}/{emu.user_id}",
        params={"version": V},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert on_instance.json()["urls"]["query"].endswith(f"/services/data/v{V}/query/")
    bad = requests.get(url, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 403 and bad.text == "Bad_OAuth_Token"
    assert emu.api_calls == 0


# ---------------------------------------------------------------------------------- REST --
def test_versions_and_describe(emu, api):
    vs = requests.get(f"{emu.instance_url}/services/data/").json()
    assert vs[0]["version"] == "31.0" and vs[-1] == {
        "label": "Winter '25",
        "url": "/services/data/v62.0",
        "version": "62.0",
    }
    d = api.get(f"{api.base}/sobjects/Lead/describe").json()
    fields = {f["name"]: f for f in d["fields"]}
    assert d["keyPrefix"] == "00Q" and d["name"] == "Lead"
    assert fields["LastName"]["nillable"] is False and fields["Company"]["createable"]
    status = fields["Status"]
    assert status["defaultedOnCreate"] and [
        p["value"] for p in status["picklistValues"] if p["defaultValue"]
    ] == ["Open - Not Contacted"]
    assert fields["Lead_Score__c"]["custom"] and fields["Lead_Score__c"]["type"] == "double"
    assert fields["IsConverted"]["createable"] is False
    opp = {
        f["name"]: f for f in api.get(f"{api.base}/sobjects/Opportunity/describe").json()["fields"]
    }
    assert len(opp["StageName"]["picklistValues"]) == 10 and opp["CloseDate"]["type"] == "date"
    case = {f["name"]: f for f in api.get(f"{api.base}/sobjects/Case/describe").json()["fields"]}
    assert case["CaseNumber"]["createable"] is False
    assert api.get(f"{api.base}/sobjects/Nope/describe").status_code == 404
    assert api.get(f"{emu.instance_url}/services/data/v99.0/limits/").status_code == 404
    names = {o["name"] for o in api.get(f"{api.base}/sobjects/").json()["sobjects"]}
    assert {"Lead", "Contact", "Task", "LeadStatus"} <= names


def test_crud_roundtrip(emu, api):
    r = api.post(
        f"{api.base}/sobjects/Lead/",
        json={
            "FirstName": "Ann",
            "LastName": "Lee",
            "Company": "Acme",
            "Email": "ann@acme.io",
            "Lead_Score__c": 42,
        },
    )
    assert r.status_code == 201 and r.json()["success"] is True and r.json()["errors"] == []
    lid = r.json()["id"]
    assert lid.startswith("00Q") and len(lid) == 18
    assert re.fullmatch(r"api-usage=\d+/\d+", r.headers["Sforce-Limit-Info"])
    rec = api.get(f"{api.base}/sobjects/Lead/{lid}").json()
    assert rec["attributes"] == {"type": "Lead", "url": f"/services/data/v{V}/sobjects/Lead/{lid}"}
    assert rec["Name"] == "Ann Lee" and rec["Status"] == "Open - Not Contacted"
    assert rec["OwnerId"] == emu.user_id and rec["Lead_Score__c"] == 42.0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", rec["CreatedDate"])
    some = api.get(f"{api.base}/sobjects/Lead/{lid[:15]}", params={"fields": "Email"}).json()
    assert set(some) == {"attributes", "Email"}
    assert api.head(f"{api.base}/sobjects/Lead/{lid}").status_code == 200
    task = api.post(f"{api.base}/sobjects/Task/", json={"Subject": "Call", "WhoId": lid[:15]})
    assert emu.get(task.json()["id"])["WhoId"] == lid  # stored in 18-char form
    assert emu.get(task.json()["id"])["Status"] == "Not Started"
    assert api.patch(f"{api.base}/sobjects/Lead/{lid}", json={"Title": "CTO"}).status_code == 204
    assert emu.get(lid)["Title"] == "CTO"
    assert api.delete(f"{api.base}/sobjects/Lead/{lid}").status_code == 204
    assert emu.get(lid) is None and emu.records("Lead") == []
    gone = api.get(f"{api.base}/sobjects/Lead/{lid}")
    assert gone.status_code == 404 and gone.json()[0]["errorCode"] == "NOT_FOUND"
    twice = api.delete(f"{api.base}/sobjects/Lead/{lid}")
    assert twice.status_code == 404 and twice.json()[0]["errorCode"] == "ENTITY_IS_DELETED"


def _err(resp) -> tuple[int, str, str]:
    body = resp.json()
    assert isinstance(body, list), body
    return resp.status_code, body[0]["errorCode"], body[0]["message"]


def test_create_refusals(emu, api):
    url = f"{api.base}/sobjects/Lead/"
    base = {"LastName": "X", "Company": "Y"}
    missing = api.post(url, json={"FirstName": "A"})
    assert missing.json() == [
        {
            "message": "Required fields are missing: [LastName, Company]",
            "errorCode": "REQUIRED_FIELD_MISSING",
            "fields": ["LastName", "Company"],
        }
    ]
    assert _err(api.post(url, json={**base, "Foo": 1})) == (
        400,
        "INVALID_FIELD",
        "No such column 'Foo' on sobject of type Lead",
    )
    assert (
        _err(api.post(url, json={**base, "IsConverted": True}))[1]
        == "INVALID_FIELD_FOR_INSERT_UPDATE"
    )
    assert _err(api.post(url, json={**base, "Status": "Bogus"}))[1:] == (
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "Lead Status: bad value for restricted picklist field: Bogus",
    )
    assert _err(api.post(url, json={**base, "Email": "not-an-email"}))[1:] == (
        "INVALID_EMAIL_ADDRESS",
        "Email: invalid email address: not-an-email",
    )
    assert _err(api.post(url, json={**base, "FirstName": "x" * 41}))[1] == "STRING_TOO_LONG"
    bad_json = api.post(url, data=b"{not json", headers={"Content-Type": "application/json"})
    assert _err(bad_json)[1] == "JSON_PARSER_ERROR"
    assert _err(api.post(url, json={**base, "Lead_Score__c": "high"}))[1] == "JSON_PARSER_ERROR"
    owner = _err(api.post(url, json={**base, "OwnerId": "garbage"}))
    assert owner[1] == "MALFORMED_ID"
    acct = emu.insert("Account", {"Name": "Acme"})
    assert _err(api.post(url, json={**base, "OwnerId": acct}))[1] == "FIELD_INTEGRITY_EXCEPTION"
    ghost = acct[:12] + ("zzz" if acct[12:15] != "zzz" else "yyy")  # well-formed, no record
    assert (
        _err(api.post(f"{api.base}/sobjects/Contact/", json={"LastName": "Z", "AccountId": ghost}))[
            1
        ]
        == "INVALID_CROSS_REFERENCE_KEY"
    )
    assert api.post(f"{api.base}/sobjects/LeadStatus/", json={}).status_code == 405
    assert api.delete(f"{api.base}/sobjects/User/{emu.user_id}").status_code == 405
    assert emu.records("Lead") == []


def test_bad_ids_and_converted_lead(emu, api):
    bad = api.get(f"{api.base}/sobjects/Lead/not-an-id")
    assert _err(bad) == (
        404,
        "NOT_FOUND",
        "Provided external ID field does not exist or is not accessible: not-an-id",
    )
    acct = emu.insert("Account", {"Name": "A"})
    assert _err(api.get(f"{api.base}/sobjects/Lead/{acct}")) == (
        404,
        "NOT_FOUND",
        "The requested resource does not exist",
    )
    lead = emu.insert("Lead", {"LastName": "L", "Company": "C", "IsConverted": True})
    patched = api.patch(f"{api.base}/sobjects/Lead/{lead}", json={"Title": "x"})
    assert _err(patched)[1] == "CANNOT_UPDATE_CONVERTED_LEAD"


def test_duplicate_rule(emu, api):
    emu.set_duplicate_rule("Lead", "Email")
    first = emu.insert("Lead", {"LastName": "A", "Company": "C", "Email": "dup@x.com"})
    r = api.post(
        f"{api.base}/sobjects/Lead/", json={"LastName": "B", "Company": "C", "Email": "DUP@x.com"}
    )
    body = r.json()[0]
    assert r.status_code == 400 and body["errorCode"] == "DUPLICATES_DETECTED"
    assert body["message"] == "Use one of these records?"
    match = body["duplicateResult"]["matchResults"][0]
    assert [m["record"]["Id"] for m in match["matchRecords"]] == [first]
    other = emu.insert("Lead", {"LastName": "B", "Company": "C", "Email": "b@x.com"})
    upd = api.patch(f"{api.base}/sobjects/Lead/{other}", json={"Email": "dup@x.com"})
    assert _err(upd)[1] == "DUPLICATES_DETECTED"


# ---------------------------------------------------------------------------------- SOQL --
@pytest.fixture
def leads(emu):
    ids = {}
    for first, last, company, email, score in [
        ("Ann", "O'Brien", "Acme", "ann@acme.io", 10),
        ("Bob", "Smith", "Beta 100%", "bob@beta.io", 50),
        ("Cy", "Smith", "Gamma_Co", None, None),
        ("Di", "Jones", "acme", "di@acme.io", 90),
    ]:
        ids[first] = emu.insert(
            "Lead",
            {
                "FirstName": first,
                "LastName": last,
                "Company": company,
                "Email": email,
                "Lead_Score__c": score,
            },
        )
    return ids


def test_soql_escapes_and_injection(api, leads):
    ok = q(api, r"SELECT Id, Name FROM Lead WHERE LastName = 'O\'Brien'").json()
    assert [r["Id"] for r in ok["records"]] == [leads["Ann"]]
    hostile = r"x\' OR Name != \'"  # properly escaped user text stays one literal
    safe = q(api, f"SELECT Id FROM Lead WHERE LastName = '{hostile}'").json()
    assert safe["totalSize"] == 0
    raw = "x' OR Name != '"  # unescaped: breaks out of the literal -> a different query
    broke = q(api, f"SELECT Id FROM Lead WHERE LastName = '{raw}'").json()
    assert broke["totalSize"] == 4  # exactly what Salesforce would run: an OR over all leads
    mixed = q(api, f"SELECT Id FROM Lead WHERE IsDeleted = false AND LastName = '{raw}'")
    assert _err(mixed)[:2] == (400, "MALFORMED_QUERY")
    unterminated = q(api, "SELECT Id FROM Lead WHERE LastName = 'O'Brien'")
    assert _err(unterminated)[1] == "MALFORMED_QUERY"
    assert _err(q(api, r"SELECT Id FROM Lead WHERE LastName = 'a\qb'"))[1] == "MALFORMED_QUERY"
    assert _err(q(api, r"SELECT Id FROM Lead WHERE LastName = 'a\%'"))[1] == "MALFORMED_QUERY"
    assert _err(q(api, "SELECT Id FROM Lead WHERE LastName = 'x' garbage"))[1] == "MALFORMED_QUERY"
    assert q(api, r"SELECT Id FROM Lead WHERE Company = 'Beta 100%'").json()["totalSize"] == 1
    uni = q(api, r"SELECT Id FROM Lead WHERE LastName = 'O\u0027Brien'").json()
    assert uni["totalSize"] == 1


def test_soql_like_in_case_and_errors(api, leads):
    def ids(soql):
        r = q(api, soql)
        assert r.status_code == 200, r.text
        return {x["Id"] for x in r.json()["records"]}

    assert ids("SELECT Id FROM Lead WHERE Company = 'ACME'") == {leads["Ann"], leads["Di"]}
    assert ids("SELECT Id FROM Lead WHERE Company LIKE 'ac%'") == {leads["Ann"], leads["Di"]}
    assert ids(r"SELECT Id FROM Lead WHERE Company LIKE '%\%'") == {leads["Bob"]}
    assert ids(r"SELECT Id FROM Lead WHERE Company LIKE 'Gamma\_%'") == {leads["Cy"]}
    assert ids("SELECT Id FROM Lead WHERE Company LIKE 'Gamma_Co'") == {leads["Cy"]}
    assert ids("SELECT Id FROM Lead WHERE FirstName IN ('ann', 'BOB')") == {
        leads["Ann"],
        leads["Bob"],
    }
    assert ids("SELECT Id FROM Lead WHERE LastName NOT IN ('Smith') AND Email != null") == {
        leads["Ann"],
        leads["Di"],
    }
    assert ids(
        "SELECT Id FROM Lead WHERE (LastName = 'Smith' OR LastName = 'Jones') AND "
        "NOT FirstName = 'bob'"
    ) == {leads["Cy"], leads["Di"]}
    assert ids("SELECT Id FROM Lead WHERE Lead_Score__c >= 50 AND Lead_Score__c < 90.5") == {
        leads["Bob"],
        leads["Di"],
    }
    assert ids("SELECT Id FROM Lead WHERE Email = null") == {leads["Cy"]}
    assert ids(f"SELECT Id FROM Lead WHERE Id = '{leads['Bob'][:15]}'") == {leads["Bob"]}
    assert ids(
        "SELECT Id FROM Lead WHERE CreatedDate = TODAY AND CreatedDate > "
        "2020-01-01T00:00:00Z AND CreatedDate = LAST_N_DAYS:3"
    ) == set(leads.values())
    assert ids("SELECT Id FROM Lead WHERE CreatedDate = NEXT_N_DAYS:3") == set()
    assert ids("SELECT Id FROM Lead WHERE Owner.Name = 'integration user'") == set(leads.values())
    assert _err(q(api, "SELECT Id FROM Nope"))[1] == "INVALID_TYPE"
    assert _err(q(api, "SELECT Id FROM Lead WHERE Bogus = 1"))[1] == "INVALID_FIELD"
    assert _err(q(api, "SELECT Id FROM Lead WHERE Lead_Score__c = '5'"))[1] == "MALFORMED_QUERY"
    assert (
        _err(q(api, "SELECT Id FROM Lead WHERE Id = 'abc'"))[1] == "INVALID_QUERY_FILTER_OPERATOR"
    )
    assert (
        _err(q(api, "SELECT Id FROM Lead WHERE CreatedDate > 2020-01-01"))[1] == "MALFORMED_QUERY"
    )


def test_soql_order_limit_offset_and_relationships(api, leads):
    rows = q(
        api,
        "SELECT FirstName, Email, Owner.Name FROM Lead "
        "ORDER BY Email DESC NULLS LAST, FirstName LIMIT 3 OFFSET 1",
    ).json()["records"]
    assert [r["FirstName"] for r in rows] == ["Bob", "Ann", "Cy"]
    assert rows[0]["Owner"]["Name"] == "Integration User"
    assert list(rows[0]) == ["attributes", "FirstName", "Email", "Owner"]
    nulls_first = q(api, "SELECT FirstName FROM Lead ORDER BY Email").json()["records"]
    assert nulls_first[0]["FirstName"] == "Cy"


def test_soql_aggregates(api, leads, emu):
    count = q(api, "SELECT COUNT() FROM Lead WHERE LastName = 'Smith'").json()
    assert count == {"totalSize": 2, "done": True, "records": []}
    emu.insert("Lead", {"LastName": "Dup", "Company": "C", "Email": "ANN@acme.io"})
    dup = q(
        api,
        "SELECT Email, COUNT(Id) c FROM Lead WHERE Email != null GROUP BY Email "
        "HAVING COUNT(Id) > 1",
    ).json()
    assert dup["records"] == [
        {"attributes": {"type": "AggregateResult"}, "Email": "ann@acme.io", "c": 2}
    ]
    agg = q(api, "SELECT COUNT(Id), MAX(Lead_Score__c) FROM Lead").json()["records"]
    assert agg == [{"attributes": {"type": "AggregateResult"}, "expr0": 5, "expr1": 90.0}]
    assert _err(q(api, "SELECT Email, COUNT(Id) FROM Lead"))[1] == "MALFORMED_QUERY"


def test_query_pagination(api, emu):
    emu.query_batch_size = 2
    made = [emu.insert("Contact", {"LastName": f"C{i}"}) for i in range(5)]
    page = q(api, "SELECT Id FROM Contact").json()
    seen = [r["Id"] for r in page["records"]]
    assert page["totalSize"] == 5 and page["done"] is False
    while not page["done"]:
        assert page["nextRecordsUrl"].startswith(f"/services/data/v{V}/query/01g")
        page = api.get(emu.instance_url + page["nextRecordsUrl"]).json()
        seen += [r["Id"] for r in page["records"]]
    assert seen == made and "nextRecordsUrl" not in page
    bad = api.get(f"{api.base}/query/01gXXXXXXXXXXXX-2")
    assert _err(bad)[1] == "INVALID_QUERY_LOCATOR"


# ---------------------------------------------------------------------------------- SOSL --
def test_sosl(api, emu, leads):
    emu.insert(
        "Contact",
        {
            "FirstName": "Mary-Jane",
            "LastName": "Watson",
            "Email": "mj@daily.io",
            "Phone": "(415) 555-0101",
        },
    )
    found = search(api, "FIND {smith} IN NAME FIELDS RETURNING Lead(Id, Name ORDER BY Name)")
    assert [r["Id"] for r in found.json()["searchRecords"]] == [leads["Bob"], leads["Cy"]]
    hyphen = search(api, r"FIND {Mary\-Jane} RETURNING Contact(LastName)").json()
    assert [r["LastName"] for r in hyphen["searchRecords"]] == ["Watson"]
    raw = search(api, "FIND {Mary-Jane} RETURNING Contact")
    assert _err(raw)[1] == "MALFORMED_SEARCH"
    assert "mismatched character '-' expecting '}'" in _err(raw)[2]
    assert _err(search(api, "FIND {a} RETURNING Lead"))[:2] == (400, "INVALID_SEARCH")
    close = search(api, r"FIND {xy\}} RETURNING Lead").json()
    assert close["searchRecords"] == []
    assert _err(search(api, "FIND {xy}} RETURNING Lead"))[1] == "MALFORMED_SEARCH"
    email = search(api, "FIND {mj@daily.io} IN EMAIL FIELDS RETURNING Contact(Id)").json()
    assert len(email["searchRecords"]) == 1
    phone = search(api, "FIND {4155550101} IN PHONE FIELDS RETURNING Contact(Phone)").json()
    assert phone["searchRecords"][0]["Phone"] == "(415) 555-0101"
    wild = search(api, "FIND {Smi*} RETURNING Lead(Id WHERE FirstName = 'Cy')").json()
    assert [r["Id"] for r in wild["searchRecords"]] == [leads["Cy"]]
    assert _err(search(api, "FIND {smith} RETURNING Lead(Bogus)"))[1] == "INVALID_FIELD"
    ids_only = search(api, "FIND {acme} RETURNING Lead").json()["searchRecords"]
    assert {tuple(r) for r in ids_only} == {("attributes", "Id")} and len(ids_only) == 2


# ---------------------------------------------------------------------------------- SOAP --
def _soap(emu, session: str, body: str) -> requests.Response:
    env = (
        '<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Header><urn:SessionHeader>'
        f"<urn:sessionId>{session}</urn:sessionId></urn:SessionHeader></soapenv:Header>"
        f"<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    )
    return requests.post(
        f"{emu.instance_url}/services/Soap/u/{V}",
        data=env.encode(),
        headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'},
    )


def _convert(lead_id: str, status: str = "Converted", extra: str = "") -> str:
    return (
        f"<urn:convertLead><urn:leadConverts><urn:convertedStatus>{status}"
        f"</urn:convertedStatus><urn:leadId>{lead_id}</urn:leadId>{extra}"
        "</urn:leadConverts></urn:convertLead>"
    )


def _tag(xml: str, name: str) -> str | None:
    m = re.search(rf"<{name}>([^<]*)</{name}>", xml)
    return m.group(1) if m else None


def test_convert_lead(emu):
    token = _token(emu)
    lead = emu.insert(
        "Lead",
        {
            "FirstName": "Ann",
            "LastName": "Lee",
            "Company": "Acme",
            "Email": "ann@acme.io",
            "Phone": "555",
        },
    )
    r = _soap(emu, token, _convert(lead))
    assert r.status_code == 200 and _tag(r.text, "success") == "true"
    acct, contact, opp = (_tag(r.text, t) for t in ("accountId", "contactId", "opportunityId"))
    assert emu.get(acct)["Name"] == "Acme"
    assert emu.get(contact)["Email"] == "ann@acme.io" and emu.get(contact)["AccountId"] == acct
    assert emu.get(opp)["Name"] == "Acme" and emu.get(opp)["StageName"] == "Prospecting"
    converted = emu.get(lead)
    assert converted["IsConverted"] and converted["ConvertedContactId"] == contact
    assert converted["Status"] == "Converted" and converted["ConvertedDate"]
    again = _soap(emu, token, _convert(lead))
    assert _tag(again.text, "success") == "false"
    assert _tag(again.text, "statusCode") == "CANNOT_UPDATE_CONVERTED_LEAD"
    other = emu.insert("Lead", {"LastName": "B", "Company": "Beta"})
    wrong = _soap(emu, token, _convert(other, status="Working - Contacted"))
    assert _tag(wrong.text, "statusCode") == "INVALID_STATUS"
    label = _soap(emu, token, _convert(other, status="Won - converted"))  # the label, renamed
    assert _tag(label.text, "statusCode") == "INVALID_STATUS"
    assert "invalid convertedStatus: Won - converted" in label.text
    no_opp = _soap(
        emu,
        token,
        _convert(
            other,
            extra=f"<urn:accountId>{acct}</urn:accountId>"
            "<urn:doNotCreateOpportunity>true</urn:doNotCreateOpportunity>",
        ),
    )
    assert _tag(no_opp.text, "accountId") == acct
    assert '<opportunityId xsi:nil="true"/>' in no_opp.text
    assert emu.api_calls == 5


def test_soap_invalid_session(emu):
    lead = emu.insert("Lead", {"LastName": "L", "Company": "C"})
    r = _soap(emu, "bogus", _convert(lead))
    assert r.status_code == 500
    assert "<faultcode>sf:INVALID_SESSION_ID</faultcode>" in r.text
    assert "Invalid Session ID found in SessionHeader: Illegal Session" in r.text
    assert emu.get(lead)["IsConverted"] is False


# ----------------------------------------------------------------------- infrastructure --
def test_keep_alive_limits_and_counters(emu, api):
    emu.reset_counters()
    for _ in range(5):
        assert api.get(f"{api.base}/limits/").status_code == 200
    assert emu.connections_opened == 1 and emu.api_calls == 5
    assert len(emu.request_log) == 5 and emu.request_log[0]["path"].endswith("/limits/")
    emu.api_usage = (10, 11)
    ok = api.get(f"{api.base}/limits/")
    assert ok.headers["Sforce-Limit-Info"] == "api-usage=11/11"
    assert ok.json()["DailyApiRequests"] == {"Max": 11, "Remaining": 0}
    over = api.get(f"{api.base}/limits/")
    assert _err(over) == (403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")


def test_fault_injection(emu, api):
    emu.fail_next(503, [{"message": "down", "errorCode": "SERVER_UNAVAILABLE"}], "/query", 2)
    for _ in range(2):
        assert q(api, "SELECT Id FROM Lead").status_code == 503
    assert q(api, "SELECT Id FROM Lead").status_code == 200
    emu.hang_next("/limits", 2.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.get(f"{api.base}/limits/", timeout=0.3)
    emu.delay = 0.2
    start = time.monotonic()
    api.get(f"{api.base}/limits/")
    assert time.monotonic() - start >= 0.2


def test_simple_salesforce_against_emulator(emu):
    from simple_salesforce import Salesforce

    sf = Salesforce(instance_url=emu.instance_url, session_id=_token(emu), version=V)
    created = sf.Lead.create({"LastName": "Simple", "Company": "SF"})
    emu.query_batch_size = 1
    emu.insert("Lead", {"LastName": "Other", "Company": "SF"})
    result = sf.query_all("SELECT Id, LastName FROM Lead ORDER BY LastName")
    assert [r["LastName"] for r in result["records"]] == ["Other", "Simple"]
    sf.Lead.update(created["id"], {"Title": "Boss"})
    assert sf.Lead.get(created["id"])["Title"] == "Boss"
    sf.Lead.delete(created["id"])
    assert emu.get(created["id"]) is None
