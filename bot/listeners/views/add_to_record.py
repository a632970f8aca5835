"""The "Add to Salesforce record" modal's submission: the message becomes a completed Task.

The modal is opened by the message shortcut (``bot.listeners.shortcuts.add_to_record``), which
keeps the message's permalink in private_metadata. The Task is created through
``bot.modal_submit.submit`` (once per view), then confirmed in the modal and in an ephemeral
message in the channel (or a DM).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import Option

from actions.errors import ActionError, InvalidInput, NotFound
from actions.log_activity import LogActivityInput, LogActivityOutput, log_activity
from actions.objects import OBJECTS, record_url
from bot.blocks.add_to_record import (
    LogForm,
    LoggedTask,
    log_form_view,
    log_notice_view,
    log_working_view,
    logged_blocks,
    logged_text,
    logged_view,
)
from bot.blocks.view_state import ViewState
from bot.errors import user_message
from bot.ids import ActionId, BlockId, CallbackId
from bot.modal_submit import (
    Submission,
    SubmitOutcome,
    ack_outcome,
    invalid_to_errors,
    refuses_forged_metadata,
    submit,
    unknown_text,
)
from bot.notify import tell_user
from bot.services import SlackOrigin, services_of
from bot.signed_metadata import ForgedMetadata, seal, unseal

FIELD_BLOCKS = {
    "record_id": BlockId.RECORD,
    "subject": BlockId.SUBJECT,
    "text": BlockId.DESCRIPTION,
}


@dataclass(frozen=True)
class LogMeta:
    """The modal's private_metadata: where the message is, and where to confirm."""

    channel_id: str | None = None
    permalink: str | None = None
    response_url: str | None = None

    def dump(self) -> str:
        return seal(asdict(self))

    @classmethod
    def load(cls, raw: str | None) -> LogMeta:
        """Raises ForgedMetadata unless sfbot wrote ``raw``."""
        try:
            return cls(**unseal(raw))
        except TypeError as exc:
            raise ForgedMetadata("private_metadata has the wrong shape") from exc


def _on_error(exc: ActionError, form: LogForm, metadata: str) -> SubmitOutcome:
    if isinstance(exc, NotFound):
        gone = "This record is no longer in Salesforce (deleted?): pick another one."
        return SubmitOutcome(
            errors={BlockId.RECORD: gone},
            view=log_form_view(replace(form, error=f":warning: {gone}"), metadata),
        )
    errors = invalid_to_errors(exc, FIELD_BLOCKS.get) if isinstance(exc, InvalidInput) else None
    return SubmitOutcome(
        errors=errors, view=log_form_view(replace(form, error=user_message(exc)), metadata)
    )


@refuses_forged_metadata
def on_add_to_record_submit(
    ack: Ack, body: dict[str, Any], client: WebClient, view: dict[str, Any], context: BoltContext
) -> None:
    services = services_of(context)
    metadata = view["private_metadata"]
    meta = LogMeta.load(metadata)
    state = ViewState(view)
    picked = state.selected(BlockId.RECORD, ActionId.RECORD_SEARCH)
    if not picked:
        ack(response_action="errors", errors={BlockId.RECORD: "Pick the record to add it to."})
        return
    record = Option(value=picked["value"], text=picked["text"]["text"])
    subject, text = state.text(BlockId.SUBJECT), state.text(BlockId.DESCRIPTION)
    form = LogForm(subject, text, record, has_permalink=bool(meta.permalink))
    try:
        inp = LogActivityInput.parse(
            {
                "record_id": picked["value"],
                "subject": subject,
                "text": text,
                "source_url": meta.permalink,
            }
        )
    except InvalidInput as exc:
        ack_outcome(ack, _on_error(exc, form, metadata))
        return
    origin = SlackOrigin.of(body, meta.channel_id)
    user_id = origin.user_id

    def work() -> LoggedTask:
        # Read before the write: after it, nothing may fail (the claim would be released).
        instance = services.actions.instance_url()
        out: LogActivityOutput = services.run_audited(
            origin,
            "log_activity",
            lambda: log_activity(services.actions, inp),
            object_name="task",
            record_ids=[inp.record_id],
            result_ids=lambda o: [o.task_id],
        )
        url = record_url(instance, OBJECTS[out.object].api_name, out.record_id)
        task = LoggedTask(record_title=picked["text"]["text"], record_url=url, subject=inp.subject)
        tell_user(
            client,
            user_id,
            text=logged_text(task),
            blocks=logged_blocks(task),
            response_url=meta.response_url,
        )
        return task

    submit(
        ack,
        client,
        view["id"],
        services,
        Submission(
            key=f"add_to_record:{view['id']}",
            work=work,
            on_success=logged_view,
            on_error=lambda exc: _on_error(exc, form, metadata),
            working_view=log_working_view,
            closed_view=lambda: log_notice_view(":white_check_mark: Added to Salesforce."),
            replay=lambda stored: logged_view(LoggedTask(**stored)),
            to_store=asdict,
            unknown_view=lambda message: log_notice_view(
                unknown_text(
                    message, "Check the record's activity in Salesforce before trying again."
                )
            ),
        ),
    )


def register(app: App) -> None:
    app.view(CallbackId.ADD_TO_RECORD_MODAL)(on_add_to_record_submit)
