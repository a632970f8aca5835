"""Identity URL /id/{orgId}/{userId} (Salesforce Help "Identity URLs",
remoteaccess_using_openid.htm; Mobile SDK "Using Identity URLs").

Response fields: id, asserted_user, user_id, organization_id, username, nick_name,
display_name, email, email_verified, first_name, last_name, timezone, photos, addr_*,
mobile_phone, status, urls{enterprise, metadata, partner, rest, sobjects, search, query,
recent, tooling_soap, tooling_rest, profile, feeds, groups, users, feed_items, feed_elements,
custom_domain}, active, user_type, language, locale, utcOffset, last_modified_date,
is_app_installed. Without a version parameter the API URLs keep the literal "{version}".
Errors are plain text: 403 Missing_OAuth_Token / Bad_OAuth_Token / Wrong_Org, 404 Bad_Id.
"""

from __future__ import annotations

from .ids import to18
from .oauth import allows
from .store import fmt_datetime


def identity(emu, org_id: str, user_id: str, token_user: str, version: str | None) -> dict:
    user = emu.store.raw(user_id)
    inst, login = emu.instance_url, emu.login_url
    v = version or "{version}"
    org = emu.org_id
    urls = {
        "enterprise": f"{inst}/services/Soap/c/{v}/{org}",
        "metadata": f"{inst}/services/Soap/m/{v}/{org}",
        "partner": f"{inst}/services/Soap/u/{v}/{org}",
        "rest": f"{inst}/services/data/v{v}/",
        "sobjects": f"{inst}/services/data/v{v}/sobjects/",
        "search": f"{inst}/services/data/v{v}/search/",
        "query": f"{inst}/services/data/v{v}/query/",
        "recent": f"{inst}/services/data/v{v}/recent/",
        "tooling_soap": f"{inst}/services/Soap/T/{v}/{org}",
        "tooling_rest": f"{inst}/services/data/v{v}/tooling/",
        "profile": f"{inst}/{user['Id']}",
        "feeds": f"{inst}/services/data/v{v}/chatter/feeds",
        "groups": f"{inst}/services/data/v{v}/chatter/groups",
        "users": f"{inst}/services/data/v{v}/chatter/users",
        "feed_items": f"{inst}/services/data/v{v}/chatter/feed-items",
        "feed_elements": f"{inst}/services/data/v{v}/chatter/feed-elements",
        "custom_domain": inst,
    }
    return {
        "id": f"{login}/id/{org_id}/{user['Id']}",
        "asserted_user": user["Id"] == token_user,
        "user_id": user["Id"],
        "organization_id": org,
        "username": user["Username"],
        "nick_name": user["Username"].split("@")[0],
        "display_name": user["Name"],
        "email": user["Email"],
        "email_verified": True,
        "first_name": user["FirstName"],
        "last_name": user["LastName"],
        "timezone": "GMT",
        "photos": {
            "picture": f"{inst}/profilephoto/005/F",
            "thumbnail": f"{inst}/profilephoto/005/T",
        },
        "addr_street": None,
        "addr_city": None,
        "addr_state": None,
        "addr_country": None,
        "addr_zip": None,
        "mobile_phone": None,
        "mobile_phone_verified": False,
        "is_lightning_login_user": False,
        "status": {"created_date": None, "body": None},
        "urls": urls,
        "active": bool(user["IsActive"]),
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": 0,
        "last_modified_date": fmt_datetime(user["LastModifiedDate"]),
        "is_app_installed": True,
    }


def serve_identity(
    emu, header_token: str | None, params: dict[str, str], org: str, user: str
) -> tuple[int, dict | str]:
    """GET /id/{org}/{user}: (status, JSON body or the plain-text error code)."""
    token = header_token or params.get("oauth_token") or params.get("access_token")
    if not token:
        return 403, "Missing_OAuth_Token"
    info = emu.oauth.lookup(token)
    if info is None or not allows(info.scopes, "id"):
        return 403, "Bad_OAuth_Token"
    if to18(org) != emu.org_id:
        return 403, "Wrong_Org"
    rec = emu.store.raw(user)
    if (
        rec is None
        or rec["_type"] != "User"
        or (rec["Id"] != info.user_id and not allows(info.scopes, "api"))
    ):
        return 404, "Bad_Id"
    version = params.get("version")
    if version == "latest":
        version = emu.api_version
    return 200, identity(emu, org, rec["Id"], info.user_id, version)
