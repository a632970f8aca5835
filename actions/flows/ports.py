"""The contract between the flow engine (``actions.flows``, never imports Slack) and Slack (``bot``).

Two things cross it:

* ``TriggerEvent``: what the Slack listeners (and the engine's own scheduler) hand the engine
  when something happened that may start flows.
* ``FlowSlack``: the small port through which the engine's Slack-facing steps and notices reach
  Slack. ``bot/flows/`` implements it over the Web API; tests use a fake.

How the Slack side uses the engine (see ``actions.flows.engine.FlowEngine``)::

    # in an Events API listener, after ack():
    event = TriggerEvent(kind="slack_message", key=f"slack:{event_id}", channel=..., ts=...,
                         thread_ts=..., variables={"text": ..., "user": ..., "channel": ...,
                                                   "ts": ..., "thread_ts": ...})
    flows = [f for f in engine.flows_for("slack_message", channel=channel) if engine.matches(f, event)]
    if flows:                    # only then: users.info, chat.getPermalink
        event = event.with_variables(user_name=..., user_email=..., permalink=...)
        for flow in flows:
            engine.start(flow, event)        # claims (flow, key) in the database, runs on the pool

    # the ask button (value carries the ask id and the choice):
    engine.resume(ask_id, choice, user_id)  # False: already answered / timed out / unknown

Wiring: ``bot`` builds one ``FlowEngine(ctx, <its FlowSlack>)`` per process (``Services.flows``,
flows-slack's part) and ``sfbot run`` starts ``actions.flows.scheduler.FlowScheduler(engine)``
(schedules, ask timeouts, recovery; flows-core's part).

``flows_for`` is cheap (definitions cached in memory, re-read when any process changes them) and
never calls Slack or Salesforce. ``matches`` checks everything the trigger says (channel, thread
replies, emoji, the ``match`` regex on ``variables["text"]``); for a reaction, fetch the reacted
message first and put its text in the variables.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Protocol

# Trigger kinds. Issue 10 adds "salesforce_record" and "webhook": the engine keys everything by
# this string, so a new kind is a new trigger model plus a source that builds TriggerEvents.
SLACK_MESSAGE = "slack_message"
REACTION = "reaction"
SHORTCUT = "shortcut"
SCHEDULE = "schedule"
SALESFORCE_RECORD = "salesforce_record"
WEBHOOK = "webhook"


@dataclass(frozen=True)
class TriggerEvent:
    """One thing that happened, which may start flows.

    ``key`` is unique per event and stable across Slack's retries and across replicas: the
    engine claims ``(flow, key)`` in the database before the first step, so a repeat runs
    nothing. Use ``slack:{event_id}`` for Events API deliveries (a reaction too: its own
    event id), ``shortcut:{trigger_id}`` for a shortcut click; the engine uses
    ``schedule:{ISO time}`` for its own schedules.

    ``variables`` become ``trigger.*`` in templates (``trigger.text``, ``trigger.user``, ...;
    ``trigger.match.NAME`` is added by the engine from the flow's ``match`` regex). A reaction
    puts the emoji's name in ``reaction`` (matched against the flow's ``emoji``) and who
    reacted in ``reactor``; a shortcut who ran it in ``runner``; a schedule ``scheduled_at``.
    ``channel``/``ts``/``thread_ts`` locate the originating message, for ``thread: true``
    (replies go to ``thread_ts`` if set, else start a thread on ``ts``). ``flow`` is the one
    flow a shortcut was run for (None otherwise).
    """

    kind: str
    key: str
    variables: dict[str, Any] = field(default_factory=dict)
    channel: str | None = None
    ts: str | None = None
    thread_ts: str | None = None
    flow: str | None = None

    def with_variables(self, **more: Any) -> TriggerEvent:
        return replace(self, variables={**self.variables, **more})

    @property
    def thread_root(self) -> str | None:
        """The ts that ``thread: true`` replies under."""
        return self.thread_ts or self.ts


@dataclass(frozen=True)
class Destination:
    """Where a message goes: exactly one of a channel id, a user id (a DM), or a thread."""

    channel: str | None = None
    user: str | None = None
    thread_ts: str | None = None  # with ``channel``: a reply in that thread


@dataclass(frozen=True)
class PostedMessage:
    channel: str
    ts: str


class FlowSlackError(Exception):
    """Slack refused or could not be reached; ``code`` is Slack's error (e.g. ``not_in_channel``).

    Raised by ``FlowSlack`` methods; the engine fails the step with ``message``.
    """

    def __init__(self, message: str, code: str = "slack_error") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class FlowSlack(Protocol):
    """What the engine needs from Slack. Every method may raise ``FlowSlackError``."""

    def post_message(
        self, to: Destination, text: str, record: dict[str, Any] | None = None
    ) -> PostedMessage:
        """Post ``text`` (Slack mrkdwn). ``record`` is a lookup_record ``RecordSummary`` as a
        dict (object, id, name, email, phone, company, status, url): add the record card."""
        ...

    def post_ask(
        self, ask_id: str, to: Destination, text: str, choices: list[str]
    ) -> PostedMessage:
        """Post ``text`` with one button per choice. A click must reach
        ``FlowEngine.resume(ask_id, choice, user_id)``; carry ``ask_id`` and the choice in the
        button (``choices`` are at most 25 strings of at most 75 characters)."""
        ...

    def close_ask(self, posted: PostedMessage, text: str, choice: str, user: str | None) -> None:
        """Replace the ask's buttons: ``choice`` was picked by ``user``, or ``choice`` is
        ``"timed_out"`` (``user`` None) when nobody answered in time."""
        ...

    def dm(self, user_id: str, text: str) -> None:
        """A direct message (owner and admin notices)."""
        ...

    def tell_admins(self, text: str) -> None:
        """Tell sfbot's admins (SFBOT_ADMINS, else the workspace's admins), e.g. by DM."""
        ...

    def resolve_channel(self, ref: str) -> str:
        """A channel id for ``ref`` (an id like ``C0123`` or ``#name``); FlowSlackError with
        code ``channel_not_found`` when there is none. Used when a flow is applied."""
        ...

    def is_member(self, channel_id: str) -> bool:
        """Whether the bot is a member of the channel (flows on a channel need it)."""
        ...
