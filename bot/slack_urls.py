"""Which URLs sfbot will POST a reply to: only Slack's own ``response_url`` hosts.

Slack's response URLs are ``https://hooks.slack.com/commands/...`` and
``https://hooks.slack.com/actions/...``:
https://docs.slack.dev/interactivity/handling-user-interaction#message_responses
Besides that host, the configured Slack API base (``SLACK_API_URL``) and its ``hooks.``
sibling are Slack too (GovSlack's ``slack-gov.com``, or a test double).
"""

from __future__ import annotations

from urllib.parse import urlsplit

SLACK_HOOKS = ("https", "hooks.slack.com")


def slack_reply_hosts(api_url: str) -> frozenset[tuple[str, str]]:
    """The (scheme, host[:port]) pairs a response_url may point at."""
    api = urlsplit(api_url)
    netloc = api.netloc.lower()
    return frozenset({SLACK_HOOKS, (api.scheme, netloc), (api.scheme, f"hooks.{netloc}")})


def is_slack_response_url(url: object, hosts: frozenset[tuple[str, str]]) -> bool:
    if not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    netloc = parts.netloc.lower()
    if "@" in netloc or not parts.path.startswith("/"):
        return False
    return (
        parts.scheme,
        netloc.removesuffix(":443") if parts.scheme == "https" else netloc,
    ) in hosts
