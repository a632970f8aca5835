"""What listeners need, built once by ``bot.app.build_services`` and handed to them by
middleware."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from actions.context import ActionContext
from actions.errors import ActionError
from actions.flows.engine import FlowEngine
from actions.metrics import action_label
from bot.access import AccessPolicy
from bot.config import Settings
from bot.digests.engine import DigestEngine
from bot.digests.scheduler import DigestScheduler
from bot.errors import slack_rate_limited, unexpected_failure_message, user_message
from bot.flows.triggers import PeopleDirectory
from bot.unfurls.service import Unfurler
from storage.audit_store import AuditEntry, AuditStore, IdempotencyStore
from storage.settings_store import SettingsStore

logger = logging.getLogger(__name__)

T = TypeVar("T")

AUDIT_NOTE = (
    ":warning: Done in Salesforce, but sfbot could not write its audit entry; "
    "the admins were told in the log."
)
_AUDIT = threading.local()  # per worker thread: did the last audit entry fail?


@dataclass
class SlackOrigin:
    """Who asked, from where: the attribution written to the audit log."""

    user_id: str
    team_id: str | None = None
    channel_id: str | None = None

    @classmethod
    def of(cls, body: dict[str, Any], channel_id: str | None = None) -> SlackOrigin:
        """From an interaction payload; the channel is ``channel_id``, else the payload's."""
        user = body.get("user") or {}
        team = (body.get("team") or {}).get("id") or user.get("team_id")
        channel = (
            channel_id
            or (body.get("channel") or {}).get("id")
            or (body.get("container") or {}).get("channel_id")
        )
        return cls(user_id=str(user.get("id")), team_id=team, channel_id=channel)


@dataclass
class Services:
    settings: Settings
    actions: ActionContext
    audit: AuditStore
    idempotency: IdempotencyStore
    # guests, sfbot admins and per-action allow lists (checked by bot.access_middleware
    # before any listener runs: listeners do not check them again)
    access: AccessPolicy
    settings_store: SettingsStore
    # Salesforce writes started by modal submissions (see bot.modal_submit)
    submissions: ThreadPoolExecutor
    # Work done after an ack (see ``later``): never on Bolt's listener threads, so a slow
    # Salesforce can never keep the next request from being acknowledged.
    background: ThreadPoolExecutor
    digests: DigestEngine
    # Type-ahead searches: their own pool, so searches abandoned after the 2 s answer never
    # hold up modal submissions.
    searches: ThreadPoolExecutor
    # Action flows: the engine (its Slack steps go through SlackFlowPort) and the authors'
    # names and emails for trigger variables.
    flows: FlowEngine
    people: PeopleDirectory
    # built by bot.app.build_services for `sfbot run`; None where nothing is scheduled
    scheduler: DigestScheduler | None = None
    # record links pasted in Slack (its record cache: one lookup per record per minute)
    unfurler: Unfurler = field(default_factory=Unfurler)

    def digests_changed(self) -> None:
        """A digest was added, edited, paused or deleted: reschedule at once here (other
        processes pick it up at their next reconcile)."""
        if self.scheduler is not None:
            self.scheduler.sync()

    def later(self, fn: Callable[[], None], *, tell_user: Callable[[str], object]) -> None:
        """Run ``fn`` after the ack on the background pool.

        An ActionError is told to the user (``tell_user`` gets the message). Anything else is
        a bug: logged with its stack trace, and the user is told something went wrong.
        """

        def tell(text: str) -> None:
            try:
                tell_user(text)
            except Exception:  # the user cannot be reached: the admins still see it
                logger.exception("could not tell the user: %s", text)

        def run() -> None:
            try:
                fn()
            except ActionError as exc:
                logger.info("background work refused: %s (%s)", exc.message, exc.code)
                tell(user_message(exc))
            except Exception as exc:
                if slack_rate_limited(exc):
                    logger.warning("background work stopped: Slack is rate limiting sfbot")
                else:
                    logger.exception("background work failed")
                tell(unexpected_failure_message(exc))

        self.background.submit(run)

    def run_audited(
        self,
        origin: SlackOrigin,
        action: str,
        fn: Callable[[], T],
        *,
        object_name: str | None = None,
        record_ids: list[str] | None = None,
        result_ids: Callable[[T], list[str]] | None = None,
    ) -> T:
        """Run an action and write who asked for it and how it ended to the audit log.

        ``record_ids`` are known before (recorded whatever the outcome); ``result_ids`` come
        from the result (e.g. the new record's id) and are added on success.
        """
        known = list(record_ids or [])
        _AUDIT.failed = False  # ``audit_note`` speaks of this action only
        try:
            with action_label(action):  # sfbot_salesforce_calls_total's action
                result = fn()
        except ActionError as exc:
            self._audit(origin, action, object_name, known, "error", exc.code)
            raise
        ids = known + (result_ids(result) if result_ids else [])
        self._audit(origin, action, object_name, list(dict.fromkeys(ids)), "ok", None)
        return result

    def _audit(
        self,
        origin: SlackOrigin,
        action: str,
        object_name: str | None,
        ids: list[str],
        outcome: str,
        code: str | None,
    ) -> None:
        try:
            self._record(origin, action, object_name, ids, outcome, code)
        except SQLAlchemyError:
            # The action itself has happened: failing the user's request now would invite a
            # repeat. The failure is logged with its stack for the admins, and the thread's
            # flag lets the reply say so beside the success (``audit_note``).
            logger.exception(
                "AUDIT ENTRY NOT WRITTEN for %s by %s (records %s)",
                action,
                origin.user_id,
                ", ".join(i for i in ids if i) or "none",
            )
            _AUDIT.failed = True

    @staticmethod
    def audit_note() -> str | None:
        """After an action on this thread: a line for its reply if its audit entry could not
        be written (then forgets it), else None."""
        failed = getattr(_AUDIT, "failed", False)
        _AUDIT.failed = False
        return AUDIT_NOTE if failed else None

    def _record(
        self,
        origin: SlackOrigin,
        action: str,
        object_name: str | None,
        ids: list[str],
        outcome: str,
        code: str | None,
    ) -> None:
        self.audit.record(
            AuditEntry(
                action=action,
                outcome=outcome,
                slack_team_id=origin.team_id,
                slack_user_id=origin.user_id,
                channel_id=origin.channel_id,
                object=object_name,
                record_ids=[i for i in ids if i],
                error_code=code,
            )
        )


def services_of(context: Any) -> Services:
    """The Services that the middleware put into Bolt's context."""
    services = context.get("services")
    if not isinstance(services, Services):
        raise RuntimeError("sfbot services middleware did not run")
    return services
