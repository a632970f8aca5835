"""Small text helpers for Block Kit: escaping and Slack's documented length limits."""

from __future__ import annotations

SECTION_TEXT_MAX = 3000
PLAIN_TEXT_MAX = 75
HEADER_MAX = 150
TITLE_MAX = 24


def escape_mrkdwn(text: str) -> str:
    """Escape &, < and > as Slack's "Formatting text for app surfaces" asks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unescape_message_text(text: str) -> str:
    """A message's text without Slack's escaping of &, < and >."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def with_permalink(text: str | None, permalink: str | None, limit: int) -> str:
    """``text`` and, on its own line, the message's permalink, within ``limit`` characters."""
    body = (text or "").rstrip()
    if not permalink or permalink in body:
        return body[:limit]
    suffix = f"\n\nFrom Slack: {permalink}"
    return body[: limit - len(suffix)].rstrip() + suffix


def link(url: str, label: str) -> str:
    """A mrkdwn link whose label cannot break out of the link syntax."""
    return f"<{url}|{escape_mrkdwn(label).replace('|', '¦')}>"
