"""Running a Salesforce write from a modal submission inside Slack's 3-second window.

The write runs on a worker thread. If it ends within ``settings.modal_wait_seconds`` the
submission is answered directly (close, field errors, or a result view). Otherwise the modal
turns into a "working on it" view at once and is finished with ``views.update`` later.

A submission is claimed by its view id first, so a double click or a resubmitted modal never
writes twice: the repeat sees the first one's result, or that it is still running.

A write whose outcome is unknown (Salesforce timed out or failed after the request was sent:
``OutcomeUnknown``) keeps its claim for good: the modal says the outcome is unknown, shows no
Submit button, and a resubmission of that view shows the same thing without writing again.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from concurrent.futures import Future, wait
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.models.views import View
from sqlalchemy.exc import SQLAlchemyError

from actions.errors import ActionError, InvalidInput, OutcomeUnknown
from bot.blocks.modal import modal, note
from bot.blocks.text import escape_mrkdwn
from bot.ids import CallbackId
from bot.services import Services
from bot.signed_metadata import FORGED_TEXT, ForgedMetadata

logger = logging.getLogger(__name__)

T = TypeVar("T")

UNKNOWN = "outcome_unknown"  # the stored result of a write whose outcome is unknown


@dataclass
class SubmitOutcome:
    """What to show for the finished work.

    ``errors`` (block_id -> message) are shown on the fields when the work ended before the
    ack; ``view`` is shown otherwise (None closes the modal), so an error outcome should set
    both: the fields' errors, and the modal re-rendered with the error at the top.
    """

    view: View | None = None
    errors: dict[str, str] | None = None


@dataclass
class Submission(Generic[T]):
    """One modal submission's work and how to present each ending."""

    key: str
    work: Callable[[], T]
    on_success: Callable[[T], View | None]  # the view to show, or None to close
    on_error: Callable[[ActionError], SubmitOutcome]
    working_view: Callable[[], View]
    closed_view: Callable[[], View]  # shown after a late success whose on_success closes
    replay: Callable[[Any], View | None]  # show a finished earlier attempt's stored result
    to_store: Callable[[T], Any]
    # the view for a write whose outcome is unknown (its message given): no Submit, and
    # where to check; by default the generic ``outcome_unknown_view``
    unknown_view: Callable[[str], View] | None = None

    def show_unknown(self, message: str) -> View:
        return (self.unknown_view or outcome_unknown_view)(message)


def submit(
    ack: Ack,
    client: WebClient,
    view_id: str,
    services: Services,
    sub: Submission[T],
) -> None:
    try:
        claimed, state, stored = services.idempotency.claim(sub.key)
    except SQLAlchemyError:
        # Nothing was sent: without the claim a repeat could write twice, so do not send.
        logger.exception("DATABASE NOT WRITABLE: %s was not sent to Salesforce", sub.key)
        ack(response_action="update", view=database_down_view())
        return
    if not claimed:
        if state == services.idempotency.DONE and stored is None:
            ack(response_action="update", view=outcome_unknown_view())
        elif state == services.idempotency.DONE and isinstance(stored, dict) and UNKNOWN in stored:
            ack(response_action="update", view=sub.show_unknown(str(stored[UNKNOWN])))
        elif state == services.idempotency.DONE:
            shown = sub.replay(stored)
            ack() if shown is None else ack(response_action="update", view=shown)
        else:
            ack(response_action="update", view=sub.working_view())
        return

    future = services.submissions.submit(sub.work)
    finished, _ = wait([future], timeout=services.settings.modal_wait_seconds)
    if not finished:
        # Answer Slack now and finish on the background pool: the listener thread is free.
        ack(response_action="update", view=sub.working_view())
        future.add_done_callback(
            lambda done: services.background.submit(
                _finish_late, sub, services, done, client, view_id
            )
        )
        return
    try:
        outcome = _finish(sub, services, future)
    except Exception:
        ack(response_action="update", view=outcome_unknown_view())
        raise  # to @app.error, which logs it
    ack_outcome(ack, outcome)


def ack_outcome(ack: Ack, outcome: SubmitOutcome) -> None:
    """Answer a submission with the outcome: the fields' errors if any, else its view (None
    closes the modal)."""
    if outcome.errors:
        ack(response_action="errors", errors=outcome.errors)
    elif outcome.view is None:
        ack()
    else:
        ack(response_action="update", view=outcome.view)


def _finish_late(
    sub: Submission[T], services: Services, future: Future[T], client: WebClient, view_id: str
) -> None:
    try:
        outcome = _finish(sub, services, future)
        if outcome.view is not None:
            view = outcome.view
        elif outcome.errors:  # field errors can no longer be shown on the fields
            view = errors_view(outcome.errors)
        else:
            view = sub.closed_view()
    except Exception:
        logger.exception("modal submission %s failed", sub.key)
        view = outcome_unknown_view()
    try:
        client.views_update(view_id=view_id, view=view)
    except (SlackClientError, OSError):
        # Typically the user closed the "working" modal: the outcome then only reaches them
        # through what the work itself sent (the record card); log it for the admins.
        logger.warning("could not show the outcome of %s in its modal", sub.key, exc_info=True)


def _finish(sub: Submission[T], services: Services, future: Future[T]) -> SubmitOutcome:
    """Store the result and decide what to show.

    A refusal (ActionError) releases the claim, so the user can correct and submit again. An
    unknown outcome keeps it, marked as such; anything else keeps it, marked done without a
    result: the write may have happened, and a resubmission must not repeat it.
    """
    try:
        value = future.result()
    except OutcomeUnknown as exc:
        logger.warning("the outcome of %s is unknown: %s", sub.key, exc.message)
        services.idempotency.finish(sub.key, {UNKNOWN: exc.message})
        return SubmitOutcome(view=sub.show_unknown(exc.message))
    except ActionError as exc:
        services.idempotency.release(sub.key)
        return sub.on_error(exc)
    except Exception:
        services.idempotency.finish(sub.key, None)
        raise
    services.idempotency.finish(sub.key, sub.to_store(value))
    return SubmitOutcome(view=sub.on_success(value))


def refuses_forged_metadata(handler: Callable[..., None]) -> Callable[..., None]:
    """For a view submission listener: a ``private_metadata`` sfbot did not sign (edited,
    ``{x``, ``null``, ``[]``, wrong types) is answered with a plain modal saying nothing was
    sent, never a 500. Bolt passes arguments by name (it reads the wrapped signature)."""

    @functools.wraps(handler)
    def listener(**kwargs: Any) -> None:
        try:
            handler(**kwargs)
        except ForgedMetadata as exc:
            logger.warning("refused a submission: %s", exc.message)
            kwargs["ack"](response_action="update", view=forged_view())

    return listener


def database_down_view() -> View:
    return modal(
        "sfbot",
        CallbackId.RESULT_MODAL,
        [
            note(
                ":floppy_disk: sfbot cannot write to its database right now, so nothing was "
                "sent to Salesforce. The admins were told in the log; try again later."
            )
        ],
    )


def forged_view() -> View:
    return modal("sfbot", CallbackId.RESULT_MODAL, [note(FORGED_TEXT)])


def errors_view(errors: dict[str, str]) -> View:
    lines = "\n".join(f"• {message}" for message in errors.values())
    return modal(
        "sfbot",
        CallbackId.RESULT_MODAL,
        [note(f":warning: Salesforce did not accept this:\n{lines}\nNothing was changed.")],
    )


def outcome_unknown_view(message: str | None = None) -> View:
    """No Submit button: the change may have been made, so this form never sends it again."""
    if message is None:
        text = (
            ":boom: Something went wrong in sfbot after this was sent, and the error was "
            "logged for the admins. The change may or may not have been made in Salesforce: "
            "check the record before trying again."
        )
    else:
        text = unknown_text(message)
    return modal("sfbot", CallbackId.RESULT_MODAL, [note(text)])


def unknown_text(message: str, check: str | None = None) -> str:
    """The outcome of a write is unknown: say so, say where to check, promise no repeat."""
    where = check or "Check in Salesforce before trying again."
    return (
        f":hourglass: *The outcome is unknown:* {escape_mrkdwn(message)}\n{where}\n"
        "sfbot will not send it again from this form."
    )


def invalid_to_errors(
    exc: InvalidInput, block_for_field: Callable[[str], str | None]
) -> dict[str, str] | None:
    """Map an InvalidInput's fields to modal blocks; None when no field has a block."""
    errors: dict[str, str] = {}
    for name in exc.fields or []:
        block = block_for_field(name)
        if block:
            errors[block] = exc.message[:150]
    return errors or None
