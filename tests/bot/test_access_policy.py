"""``AccessPolicy.user_access`` (what help and App Home offer): one read of the allow lists and
cached Slack lookups per render, and the same answers as the middleware's ``refusal``."""

from __future__ import annotations

from typing import Any

from bot.access import AccessPolicy, AdminPolicy
from bot.permissions import ACCESS_ACTIONS, Permission
from bot.slack_users import UserDirectory

ADMIN, AGENT, GROUP = "U0ADMIN01", "U0AGENT01", "S0SUPPORT1"


class CountingStore:
    """The SettingsStore calls AccessPolicy makes, counted (each is one database read)."""

    def __init__(self, lists: dict[str, list[str]]) -> None:
        self.lists = lists
        self.reads = 0

    def access_lists(self) -> dict[str, list[str]]:
        self.reads += 1
        return dict(self.lists)

    def access_list(self, action: str) -> list[str] | None:
        self.reads += 1
        return self.lists.get(action)


class CountingSlack:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def users_info(self, user: str) -> dict[str, Any]:
        self.calls.append(f"users.info {user}")
        return {"user": {"id": user, "is_admin": user == ADMIN}}

    def usergroups_users_list(self, usergroup: str) -> dict[str, Any]:
        self.calls.append(f"usergroups.users.list {usergroup}")
        return {"users": [AGENT]}


def policy(store: CountingStore) -> AccessPolicy:
    users = UserDirectory()
    return AccessPolicy(users, AdminPolicy([], users), store)


def test_user_access_reads_the_lists_once_and_caches_slack_lookups():
    store = CountingStore({"delete_record": [ADMIN], "convert_lead": [GROUP]})
    access, slack = policy(store), CountingSlack()
    first = access.user_access(slack, AGENT)
    again = access.user_access(slack, AGENT)
    assert first == again and not first.is_admin
    assert first.actions == frozenset(ACCESS_ACTIONS) - {"delete_record"}
    assert store.reads == 2  # one per render
    assert slack.calls == [f"users.info {AGENT}", f"usergroups.users.list {GROUP}"]


def test_user_access_agrees_with_the_middlewares_refusal():
    store = CountingStore({"delete_record": [ADMIN], "lookup_record": [GROUP]})
    access, slack = policy(store), CountingSlack()
    for user in (ADMIN, AGENT):
        offered = access.user_access(slack, user)
        for need in Permission:
            refused = access.refusal(slack, user, [(need, "x")])
            assert offered.may(need) == (refused is None), (user, need)
