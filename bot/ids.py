"""Every callback_id, action_id and block_id the app uses, in one place.

Slack sends these back in interaction payloads; listeners match on them, builders set them.
"""

from __future__ import annotations

from enum import StrEnum

COMMAND = "/sf"


class CallbackId(StrEnum):
    # modals (view.callback_id)
    CREATE_MODAL = "sf_create_modal"
    UPDATE_MODAL = "sf_update_modal"
    CONVERT_MODAL = "sf_convert_modal"
    CONNECT_MODAL = "sf_connect_modal"
    ADD_TO_RECORD_MODAL = "sf_add_to_record_modal"
    RESULT_MODAL = "sf_result_modal"
    DIGEST_MODAL = "sf_digest_modal"
    MERGE_MODAL = "sf_merge_modal"
    MERGE_CONFIRM_MODAL = "sf_merge_confirm_modal"
    # shortcuts (manifest.yml declares the same ids)
    GLOBAL_CREATE = "sf_create_record"
    MESSAGE_CREATE = "sf_create_from_message"
    MESSAGE_ADD_TO_RECORD = "sf_add_to_record"
    MESSAGE_RUN_FLOW = "sf_run_flow"
    FLOW_PICK_MODAL = "sf_flow_pick_modal"


class ActionId(StrEnum):
    # buttons on record cards (value = record id)
    UPDATE_RECORD = "sf_record_update"
    CONVERT_LEAD = "sf_record_convert"
    DELETE_RECORD = "sf_record_delete"
    OPEN_RECORD = "sf_record_open"  # link button: Slack still sends block_actions
    MERGE_RECORDS = "sf_record_merge"  # value: record ids, comma-separated (card, digest)
    UPDATE_INSTEAD = "sf_update_instead"  # create modal's duplicates: value = record id
    MERGE_CHOICE = "sf_merge_choice"  # radio buttons in the merge modal
    # modal elements
    OBJECT_PICKER = "sf_object_picker"
    FIELD_INPUT = "sf_field_input"
    ACCOUNT_SEARCH = "sf_account_search"
    RECORD_SEARCH = "sf_record_search"
    CONNECT_FLOW = "sf_connect_flow"
    # connection management
    DISCONNECT = "sf_disconnect"
    # digests (issue: scheduled digests)
    DIGEST_RUN_NOW = "sf_digest_run_now"
    DIGEST_TOGGLE = "sf_digest_toggle"
    DIGEST_EDIT = "sf_digest_edit"
    DIGEST_DELETE = "sf_digest_delete"
    # delete confirmation and convert modal
    DELETE_CANCEL = "sf_record_delete_cancel"
    ACCOUNT_CHOICE = "sf_account_choice"
    # digest modal: kind and schedule switches (dispatch_action), time zone type-ahead
    DIGEST_KIND = "sf_digest_kind"
    DIGEST_SCHEDULE_TYPE = "sf_digest_schedule_type"
    DIGEST_TIMEZONE = "sf_digest_timezone"
    # flows: an ask's buttons (``sf_flow_ask:N``, value = ask id + choice) and the admin list
    FLOW_ASK = "sf_flow_ask"
    FLOW_TOGGLE = "sf_flow_toggle"
    FLOW_RUNS = "sf_flow_runs"
    FLOW_PICK = "sf_flow_pick"


class BlockId(StrEnum):
    OBJECT = "sf_object"
    NAME = "sf_name"
    PHONE = "sf_phone"
    EMAIL = "sf_email"
    DESCRIPTION = "sf_description"
    ACCOUNT = "sf_account"
    OPPORTUNITY_NAME = "sf_opportunity_name"
    RECORD = "sf_record"
    ERROR = "sf_error"
    CONNECT_FLOW = "sf_connect_flow"
    LOGIN_URL = "sf_login_url"
    CLIENT_ID = "sf_client_id"
    CLIENT_SECRET = "sf_client_secret"  # noqa: S105 - a block id
    USERNAME = "sf_username"
    PRIVATE_KEY = "sf_private_key"
    ACCOUNT_CHOICE = "sf_account_choice"
    SUBJECT = "sf_subject"
    # digest modal inputs, and one actions row per digest in `/sf digest list`
    DIGEST_NAME = "sf_digest_name"
    DIGEST_CHANNEL = "sf_digest_channel"
    DIGEST_KIND = "sf_digest_kind"
    DIGEST_DAYS = "sf_digest_days"
    DIGEST_SCORE_FIELD = "sf_digest_score_field"
    DIGEST_THRESHOLD = "sf_digest_threshold"
    DIGEST_SOQL = "sf_digest_soql"
    DIGEST_SCHEDULE_TYPE = "sf_digest_schedule_type"
    DIGEST_TIME = "sf_digest_time"
    DIGEST_WEEKDAYS = "sf_digest_weekdays"
    DIGEST_CRON = "sf_digest_cron"
    DIGEST_TIMEZONE = "sf_digest_timezone"
    DIGEST_OPTIONS = "sf_digest_options"
    DIGEST_ROW = "sf_digest_row"
    # flows: an ask's buttons (``sf_flow_ask:ASK``), the shortcut's flow picker, list rows
    FLOW_ASK = "sf_flow_ask"
    FLOW_PICK = "sf_flow_pick"
    FLOW_ROW = "sf_flow_row"
    # duplicates: the create modal's panel (one block per match) and the merge modal
    DUPLICATES = "sf_duplicates"
    DUPLICATE = "sf_duplicate"
    MERGE_MASTER = "sf_merge_master"


FIELD_BLOCK_PREFIX = "sf_field:"


def field_block_id(api_name: str) -> str:
    """The block_id of the input for another Salesforce field, e.g. ``sf_field:Company``."""
    return FIELD_BLOCK_PREFIX + api_name


def field_from_block_id(block_id: str) -> str | None:
    if block_id.startswith(FIELD_BLOCK_PREFIX):
        return block_id[len(FIELD_BLOCK_PREFIX) :]
    return None


MERGE_FIELD_PREFIX = "sf_merge_field:"


def merge_field_block_id(api_name: str) -> str:
    """The block_id of a field's choice in the merge modal, e.g. ``sf_merge_field:Phone``."""
    return MERGE_FIELD_PREFIX + api_name


def digest_block_id(digest_id: int) -> str:
    """The block_id of one digest's buttons in the list, e.g. ``sf_digest_row:12``."""
    return f"{BlockId.DIGEST_ROW}:{digest_id}"
