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
    guest: str | None = None,
) -> dict:
    """``guest``: None (full member), "multi" (multi-channel guest: ``is_restricted``) or
    "single" (single-channel guest: ``is_restricted`` and ``is_ultra_restricted``; the user
    object reference says to combine the two fields to tell them apart)."""
    if guest not in (None, "multi", "single"):
        raise ValueError(f"guest must be None, 'multi' or 'single', not {guest!r}")
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
        "is_restricted": guest is not None,
        "is_ultra_restricted": guest == "single",
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
    channel_id: str,
    name: str,
    is_member: bool,
    is_private: bool,
    bot_user_id: str,
    now: int,
    external: bool = False,
) -> dict:
    """``external``: a Slack Connect channel, shared with another organization. The
    conversation object reference: ``is_ext_shared`` "means the conversation is in some way
    shared between multiple workspaces", ``is_shared`` likewise, ``is_org_shared`` is for
    workspaces of one Enterprise Grid org, ``is_pending_ext_shared`` for invitations not
    yet accepted."""
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
        "is_shared": external,
        "is_ext_shared": external,
        "is_org_shared": False,
        "is_pending_ext_shared": False,
        "is_general": False,
        "is_member": is_member,
        "name_normalized": name,
        "creator": bot_user_id,
        "topic": {"value": "", "creator": "", "last_set": 0},
        "purpose": {"value": "", "creator": "", "last_set": 0},
    }
