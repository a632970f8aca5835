"""Block Kit validation for the fake Slack, following Slack's documented limits.

Each check cites the reference page it comes from. ``slack_sdk.models`` is used first
(``Block.parse(...).to_dict()`` / ``View(**view).to_dict()`` validate recursively); the
walker below adds the documented limits those models do not check.

Error strings mimic Slack's ``invalid_blocks`` / ``invalid_arguments`` responses, e.g.
``"[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"``.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

# Limits on blocks per surface:
#   messages 50  -- https://docs.slack.dev/reference/block-kit/blocks (Block Kit "blocks" reference)
#   modals/home 100 -- https://docs.slack.dev/reference/views/modal-views ("Max of 100 blocks")
MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}

KNOWN_BLOCKS = {
    "actions",
    "context",
    "context_actions",
    "divider",
    "file",
    "header",
    "image",
    "input",
    "markdown",
    "rich_text",
    "section",
    "video",
    "table",
}

SELECTS = {
    "static_select",
    "external_select",
    "users_select",
    "conversations_select",
    "channels_select",
    "multi_static_select",
    "multi_external_select",
    "multi_users_select",
    "multi_conversations_select",
    "multi_channels_select",
}


def _err(errors: list[str], msg: str, ptr: str) -> None:
    errors.append(f"[ERROR] {msg} [json-pointer:{ptr}]")


def _text(errors, obj, ptr, *, max_len=None, plain_only=False, required=True) -> None:
    """Composition text object: https://docs.slack.dev/reference/block-kit/composition-objects/text-object"""
    if obj is None:
        if required:
            _err(errors, "missing required field: text", ptr)
        return
    if not isinstance(obj, dict):
        _err(errors, "expected object", ptr)
        return
    allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    if obj.get("type") not in allowed:
        _err(errors, f"must be one of {list(allowed)}", f"{ptr}/type")
    text = obj.get("text")
    if not isinstance(text, str) or len(text) < 1:
        _err(errors, "must be more than 0 characters", f"{ptr}/text")
    elif max_len is not None and len(text) > max_len:
        _err(errors, f"must be less than {max_len + 1} characters", f"{ptr}/text")


def _str_len(errors, value, ptr, max_len, *, required=False) -> None:
    if value is None:
        if required:
            _err(errors, "missing required field", ptr)
        return
    if not isinstance(value, str):
        _err(errors, "expected string", ptr)
    elif len(value) > max_len:
        _err(errors, f"must be less than {max_len + 1} characters", ptr)


def _option(errors, opt, ptr, *, plain_only: bool) -> None:
    """Option object: text <= 75, value <= 150, description <= 75 (plain_text).
    https://docs.slack.dev/reference/block-kit/composition-objects/option-object"""
    if not isinstance(opt, dict):
        _err(errors, "expected object", ptr)
        return
    _text(errors, opt.get("text"), f"{ptr}/text", max_len=75, plain_only=plain_only)
    _str_len(errors, opt.get("value"), f"{ptr}/value", 150, required=True)
    if "description" in opt:
        _text(errors, opt["description"], f"{ptr}/description", max_len=75, plain_only=True)
    _str_len(errors, opt.get("url"), f"{ptr}/url", 3000)


def _confirm(errors, conf, ptr) -> None:
    """Confirmation dialog: title 100, text 300, confirm 30, deny 30.
    https://docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object"""
    _text(errors, conf.get("title"), f"{ptr}/title", max_len=100, plain_only=True)
    _text(errors, conf.get("text"), f"{ptr}/text", max_len=300)
    _text(errors, conf.get("confirm"), f"{ptr}/confirm", max_len=30, plain_only=True)
    _text(errors, conf.get("deny"), f"{ptr}/deny", max_len=30, plain_only=True)
    if conf.get("style") not in (None, "primary", "danger"):
        _err(errors, "must be one of [primary danger]", f"{ptr}/style")


def _options_list(errors, el, ptr, *, max_items: int, min_items: int = 1, plain=True) -> list:
    opts = el.get("options")
    groups = el.get("option_groups")
    flat: list = []
    if opts is not None and groups is not None:
        _err(errors, "options and option_groups are mutually exclusive", ptr)
    if opts is not None:
        if not isinstance(opts, list) or not (min_items <= len(opts) <= max_items):
            _err(
                errors, f"must provide between {min_items} and {max_items} items", f"{ptr}/options"
            )
        else:
            for i, o in enumerate(opts):
                _option(errors, o, f"{ptr}/options/{i}", plain_only=plain)
            flat.extend(opts)
    if groups is not None:
        # Option group: label <= 75, max 100 options; https://docs.slack.dev/reference/block-kit/composition-objects/option-group-object
        if not isinstance(groups, list) or not (1 <= len(groups) <= 100):
            _err(errors, "must provide between 1 and 100 items", f"{ptr}/option_groups")
        else:
            for gi, g in enumerate(groups):
                gp = f"{ptr}/option_groups/{gi}"
                _text(errors, g.get("label"), f"{gp}/label", max_len=75, plain_only=True)
                for oi, o in enumerate(g.get("options") or []):
                    _option(errors, o, f"{gp}/options/{oi}", plain_only=True)
                    flat.append(o)
                if len(g.get("options") or []) > 100:
                    _err(errors, "must provide no more than 100 items", f"{gp}/options")
    return flat


def _same_option(a: dict, options: list) -> bool:
    return any(isinstance(o, dict) and o.get("value") == a.get("value") for o in options)


def _element(errors, el, ptr, seen_actions: set[str]) -> None:
    """Interactive/input elements; https://docs.slack.dev/reference/block-kit/block-elements"""
    if not isinstance(el, dict):
        _err(errors, "expected object", ptr)
        return
    etype = el.get("type")
    action_id = el.get("action_id")
    if action_id is not None:
        # action_id: max 255 chars, "should be unique among all other action_ids in the
        # containing block" (every block element page, e.g. .../block-elements/button-element)
        _str_len(errors, action_id, f"{ptr}/action_id", 255)
        if action_id in seen_actions:
            _err(errors, f"duplicate action_id '{action_id}' in block", f"{ptr}/action_id")
        seen_actions.add(action_id)
    if "placeholder" in el:  # placeholder: plain_text, max 150 characters
        _text(errors, el["placeholder"], f"{ptr}/placeholder", max_len=150, plain_only=True)
    if isinstance(el.get("confirm"), dict):
        _confirm(errors, el["confirm"], f"{ptr}/confirm")
    if etype == "button":
        # https://docs.slack.dev/reference/block-kit/block-elements/button-element
        _text(errors, el.get("text"), f"{ptr}/text", max_len=75, plain_only=True)
        _str_len(errors, el.get("value"), f"{ptr}/value", 2000)
        _str_len(errors, el.get("url"), f"{ptr}/url", 3000)
        if el.get("style") not in (None, "primary", "danger"):
            _err(errors, "must be one of [primary danger]", f"{ptr}/style")
    elif etype in ("static_select", "multi_static_select"):
        # https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element
        if el.get("options") is None and el.get("option_groups") is None:
            _err(errors, "must provide either options or option_groups", ptr)
        flat = _options_list(errors, el, ptr, max_items=100)
        init = [el["initial_option"]] if isinstance(el.get("initial_option"), dict) else []
        init += el.get("initial_options") or []
        for io in init:  # "must exactly match one of the options"
            if not _same_option(io, flat):
                _err(
                    errors, "initial option must match one of the options", f"{ptr}/initial_option"
                )
    elif etype == "overflow":
        # https://docs.slack.dev/reference/block-kit/block-elements/overflow-menu-element (1..5)
        _options_list(errors, el, ptr, max_items=5, plain=True)
    elif etype in ("checkboxes", "radio_buttons"):
        # checkboxes / radio buttons: max 10 options, mrkdwn allowed in option text
        flat = _options_list(errors, el, ptr, max_items=10, plain=False)
        init = [el["initial_option"]] if isinstance(el.get("initial_option"), dict) else []
        for io in init + list(el.get("initial_options") or []):
            if not _same_option(io, flat):
                _err(
                    errors, "initial option must match one of the options", f"{ptr}/initial_option"
                )
    elif etype == "plain_text_input":
        # https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element
        for key in ("min_length", "max_length"):
            v = el.get(key)
            if v is not None and (not isinstance(v, int) or not 0 <= v <= 3000):
                _err(errors, "must be between 0 and 3000", f"{ptr}/{key}")
    elif etype == "datepicker":
        d = el.get("initial_date")
        if d is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(d)):
            _err(errors, "must be in format YYYY-MM-DD", f"{ptr}/initial_date")
    elif etype == "image":
        _str_len(errors, el.get("alt_text"), f"{ptr}/alt_text", 2000, required=True)


def _block(errors, blk, ptr, surface, seen_blocks: set[str]) -> None:
    if not isinstance(blk, dict):
        _err(errors, "expected object", ptr)
        return
    btype = blk.get("type")
    if btype not in KNOWN_BLOCKS:
        _err(errors, f"unsupported type: {btype}", f"{ptr}/type")
        return
    bid = blk.get("block_id")
    if bid is not None:
        # block_id: max 255; "should be unique for each message" / within a view
        # https://docs.slack.dev/reference/block-kit/blocks/section-block (every block page)
        _str_len(errors, bid, f"{ptr}/block_id", 255)
        if bid in seen_blocks:
            _err(errors, f"duplicate block_id '{bid}'", f"{ptr}/block_id")
        seen_blocks.add(bid)
    actions: set[str] = set()
    if btype == "section":
        # https://docs.slack.dev/reference/block-kit/blocks/section-block: text 1..3000,
        # fields <= 10 items of <= 2000 chars, one of text/fields required
        if blk.get("text") is None and not blk.get("fields"):
            _err(errors, "must provide either text or fields", ptr)
        if blk.get("text") is not None:
            _text(errors, blk["text"], f"{ptr}/text", max_len=3000)
        fields = blk.get("fields")
        if fields is not None:
            if not isinstance(fields, list) or len(fields) > 10:
                _err(errors, "must provide no more than 10 items", f"{ptr}/fields")
            else:
                for i, f in enumerate(fields):
                    _text(errors, f, f"{ptr}/fields/{i}", max_len=2000)
        if blk.get("accessory") is not None:
            _element(errors, blk["accessory"], f"{ptr}/accessory", actions)
    elif btype == "header":
        # https://docs.slack.dev/reference/block-kit/blocks/header-block: plain_text, max 150
        _text(errors, blk.get("text"), f"{ptr}/text", max_len=150, plain_only=True)
    elif btype == "actions":
        # https://docs.slack.dev/reference/block-kit/blocks/actions-block: max 25 elements
        els = blk.get("elements")
        if not isinstance(els, list) or not 1 <= len(els) <= 25:
            _err(errors, "must provide between 1 and 25 items", f"{ptr}/elements")
        else:
            for i, el in enumerate(els):
                _element(errors, el, f"{ptr}/elements/{i}", actions)
    elif btype == "context":
        # https://docs.slack.dev/reference/block-kit/blocks/context-block: max 10 elements
        els = blk.get("elements")
        if not isinstance(els, list) or not 1 <= len(els) <= 10:
            _err(errors, "must provide between 1 and 10 items", f"{ptr}/elements")
        else:
            for i, el in enumerate(els):
                if isinstance(el, dict) and el.get("type") in ("plain_text", "mrkdwn"):
                    _text(errors, el, f"{ptr}/elements/{i}")
                else:
                    _element(errors, el, f"{ptr}/elements/{i}", actions)
    elif btype == "input":
        # https://docs.slack.dev/reference/block-kit/blocks/input-block
        # label/hint: plain_text, max 2000 characters
        _text(errors, blk.get("label"), f"{ptr}/label", max_len=2000, plain_only=True)
        if "hint" in blk:
            _text(errors, blk["hint"], f"{ptr}/hint", max_len=2000, plain_only=True)
        if not isinstance(blk.get("element"), dict):
            _err(errors, "missing required field: element", f"{ptr}/element")
        else:
            _element(errors, blk["element"], f"{ptr}/element", actions)
    elif btype == "image":
        # https://docs.slack.dev/reference/block-kit/blocks/image-block
        _str_len(errors, blk.get("alt_text"), f"{ptr}/alt_text", 2000, required=True)
        if blk.get("title") is not None:
            _text(errors, blk["title"], f"{ptr}/title", max_len=2000, plain_only=True)


def _sdk_block_errors(blk: Any, ptr: str) -> list[str]:
    """Let slack_sdk.models validate what it knows (recursive through to_dict())."""
    if not isinstance(blk, dict) or blk.get("type") not in KNOWN_BLOCKS:
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = Block.parse(blk)
            if parsed is not None:
                parsed.to_dict()
        except SlackObjectFormationError as e:
            return [f"[ERROR] {e} [json-pointer:{ptr}]"]
        except (TypeError, ValueError, AttributeError, KeyError) as e:
            return [f"[ERROR] malformed block: {e} [json-pointer:{ptr}]"]
    return []


def validate_blocks(blocks: Any, surface: str = "message", base: str = "/blocks") -> list[str]:
    """Validate a blocks array for ``surface`` in ("message", "modal", "home")."""
    errors: list[str] = []
    if not isinstance(blocks, list):
        _err(errors, "expected array", base)
        return errors
    limit = MAX_BLOCKS[surface]
    if len(blocks) > limit:
        _err(errors, f"no more than {limit} items allowed", base)
    seen: set[str] = set()
    for i, blk in enumerate(blocks):
        ptr = f"{base}/{i}"
        before = len(errors)
        _block(errors, blk, ptr, surface, seen)
        if len(errors) == before:  # only ask the SDK when our walker found nothing
            errors.extend(_sdk_block_errors(blk, ptr))
    return errors


def validate_view(view: Any, base: str = "/view") -> list[str]:
    """Modal/home view object. https://docs.slack.dev/reference/views/modal-views and
    https://docs.slack.dev/reference/views/home-tab-views"""
    errors: list[str] = []
    if not isinstance(view, dict):
        _err(errors, "expected object", base)
        return errors
    vtype = view.get("type")
    if vtype not in ("modal", "home"):
        _err(errors, "must be one of [modal home]", f"{base}/type")
        return errors
    if vtype == "modal":
        # title required, plain_text, max 24; submit/close max 24
        _text(errors, view.get("title"), f"{base}/title", max_len=24, plain_only=True)
        for key in ("submit", "close"):
            if view.get(key) is not None:
                _text(errors, view[key], f"{base}/{key}", max_len=24, plain_only=True)
        blocks = view.get("blocks") or []
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and view.get("submit") is None:
            # "submit is required when an input block is within the blocks array"
            _err(errors, "submit is required when an input block is present", f"{base}/submit")
    elif view.get("submit") is not None or view.get("close") is not None:
        _err(errors, "home views cannot have submit or close", base)
    _str_len(errors, view.get("private_metadata"), f"{base}/private_metadata", 3000)
    _str_len(errors, view.get("callback_id"), f"{base}/callback_id", 255)
    _str_len(errors, view.get("external_id"), f"{base}/external_id", 255)
    if "blocks" not in view:
        _err(errors, "missing required field: blocks", f"{base}/blocks")
    else:
        errors.extend(validate_blocks(view["blocks"], vtype, f"{base}/blocks"))
    if not errors:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                View(**view).to_dict()
            except SlackObjectFormationError as e:
                _err(errors, str(e), base)
            except (TypeError, ValueError, AttributeError, KeyError) as e:
                _err(errors, f"malformed view: {e}", base)
    return errors


def validate_options_response(body: Any) -> list[str]:
    """Ack body for block_suggestion: ``options`` or ``option_groups``, max 100.
    https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element#external_select"""
    errors: list[str] = []
    if not isinstance(body, dict) or ("options" not in body and "option_groups" not in body):
        _err(errors, "must provide options or option_groups", "")
        return errors
    _options_list(errors, body, "", max_items=100, min_items=0)
    return errors
