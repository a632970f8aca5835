"""The one reader of what a user entered in a modal (``view.state.values``).

Slack sends the state back as ``{block_id: {action_id: entry}}``. A forged or malformed
payload may carry anything there, so every read tolerates the wrong shape and returns
"nothing entered" instead of raising.
"""

from __future__ import annotations

from typing import Any

from bot.ids import ActionId


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class ViewState:
    """``ViewState(view).text(BlockId.NAME)`` and friends."""

    def __init__(self, view: dict[str, Any]) -> None:
        self.values = _dict(_dict(_dict(view).get("state")).get("values"))

    def entry(self, block_id: str, action_id: str = ActionId.FIELD_INPUT) -> dict[str, Any]:
        """The raw entry of one element (empty when the user left it untouched)."""
        return _dict(_dict(self.values.get(block_id)).get(action_id))

    def has_entry(self, block_id: str, action_id: str) -> bool:
        return isinstance(_dict(self.values.get(block_id)).get(action_id), dict)

    def text(self, block_id: str, action_id: str = ActionId.FIELD_INPUT) -> str:
        """A plain-text input's value ("" when empty)."""
        value = self.entry(block_id, action_id).get("value")
        return value if isinstance(value, str) else ""

    def selected(self, block_id: str, action_id: str = ActionId.FIELD_INPUT) -> dict[str, Any]:
        """A select's chosen option (``{}`` when none)."""
        return _dict(self.entry(block_id, action_id).get("selected_option"))

    def selected_value(self, block_id: str, action_id: str = ActionId.FIELD_INPUT) -> str | None:
        value = self.selected(block_id, action_id).get("value")
        return value if isinstance(value, str) else None

    def selected_values(
        self, block_id: str, action_id: str = ActionId.FIELD_INPUT
    ) -> list[str] | None:
        """A multi-select's or checkboxes' chosen values; None when Slack sent no list."""
        options = self.entry(block_id, action_id).get("selected_options")
        if not isinstance(options, list):
            return None
        return [
            o["value"] for o in options if isinstance(o, dict) and isinstance(o.get("value"), str)
        ]

    def scalar(self, block_id: str, action_id: str, key: str) -> str | None:
        """Another element's single value by its key (``selected_time``, ``selected_date``,
        ``selected_conversation``)."""
        value = self.entry(block_id, action_id).get(key)
        return value if isinstance(value, str) else None
