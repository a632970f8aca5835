"""Slack API object shapes used by FakeSlack.

* user: https://docs.slack.dev/reference/objects/user-object
* conversation: https://docs.slack.dev/reference/objects/conversation-object
"""

from __future__ import annotations


def user_object(
    team_id: str,
    user_id: str,
    name: str,
    is_admin: bool,
    is_owner: bool,
    tz: str,
    tz_offset: int,
    tz_label: str,
    real: str,
    email: str,
    now: int,
) -> dict:
    return {
        "id": user_id,
        "team_id": team_id,
        "name": name,
        "deleted": False,
        "color": "9f69e7",
        "real_name": real,
        "tz": tz,
        "tz_label": tz_label,
        "tz_offset": tz_offset,
        "is_admin": is_admin,
        "is_owner": is_owner,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": False,
        "is_app_user": False,
        "updated": now,
        "profile": {
            "real_name": real,
            "real_name_normalized": real,
            "display_name": name,
            "display_name_normalized": name,
            "email": email,
            "team": team_id,
            "status_text": "",
            "status_emoji": "",
        },
    }


def channel_object(
    channel_id: str, name: str, is_member: bool, is_private: bool, bot_user_id: str, now: int
) -> dict:
    return {
        "id": channel_id,
        "name": name,
        "is_channel": not is_private,
        "is_group": False,
        "is_im": channel_id.startswith("D"),
        "is_mpim": False,
        "is_private": is_private,
        "created": now,
        "is_archived": False,
        "is_general": False,
        "is_member": is_member,
        "name_normalized": name,
        "creator": bot_user_id,
        "topic": {"value": "", "creator": "", "last_set": 0},
        "purpose": {"value": "", "creator": "", "last_set": 0},
    }
