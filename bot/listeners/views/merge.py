"""The merge modal: opened by "Merge…" on a record card or a duplicates digest group.

It opens at once (a loading view) and is filled after the ack with the records and the fields
whose values differ (bot.merge_plan). "Next" shows what will happen; "Merge" then runs
merge_records once per view (bot.modal_submit), audited with every id. Before the merge the
records are read again (one query): a lead converted meanwhile is refused with nothing sent,
and the values kept are the records' current ones.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field
from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.views import View

from actions.errors import ActionError, InvalidInput
from actions.merge_records import MergeRecordsInput, MergeRecordsOutput, merge_records
from actions.objects import OBJECTS, normalize_id
from bot.blocks.duplicates import MergeChoice, MergeRecord, merge_confirm, merge_form
from bot.blocks.modal import modal, note
from bot.blocks.record_modal import message_view, view_values
from bot.blocks.text import escape_mrkdwn
from bot.errors import user_message
from bot.ids import MERGE_FIELD_PREFIX, BlockId, CallbackId
from bot.listeners.slack_calls import show_in_view, update_view
from bot.merge_plan import build_plan, read_rows, row_name, row_url, shown
from bot.modal_submit import Submission, SubmitOutcome, refuses_forged_metadata, submit
from bot.services import Services, SlackOrigin, services_of
from bot.signed_metadata import SignedMeta

TITLE = "Merge records"


class MergeMeta(SignedMeta):
    """private_metadata of the merge modal and of its confirmation."""

    object: str
    ids: list[str]
    channel: str | None = None
    master: str | None = None  # confirmation only
    picks: dict[str, str] = Field(default_factory=dict)  # field -> id of the record kept


# --------------------------------------------------------------------------- open
def open_merge_modal(
    client: WebClient, services: Services, *, trigger_id: str, origin: SlackOrigin, ids: list[str]
) -> None:
    """Open a loading modal at once; find and read the records after the ack."""
    ids = [normalize_id(i) for i in ids if i]  # InvalidInput before anything opens
    loading = message_view(TITLE, ":hourglass_flowing_sand: Reading the records from Salesforce…")
    opened = client.views_open(trigger_id=trigger_id, view=loading)["view"]
    services.later(
        lambda: update_view(client, opened, merge_form_view(services, origin, ids)),
        tell_user=lambda text: show_in_view(client, opened["id"], message_view(TITLE, text)),
    )


def merge_form_view(services: Services, origin: SlackOrigin, ids: list[str]) -> View:
    ctx = services.actions
    plan = services.run_audited(origin, "read_record", lambda: build_plan(ctx, ids), record_ids=ids)
    if len(plan.rows) < 2:
        text = "\n".join(
            [
                ":information_source: There is nothing to merge: Salesforce's duplicate rules find "
                "no other record of the same object.",
                *plan.notes,
            ]
        )
        return message_view(TITLE, text)
    records = [
        MergeRecord(
            id=r["Id"],
            name=row_name(plan.spec, r),
            url=row_url(ctx, plan.spec, r),
            values={n: shown(r.get(n)) for n, _ in plan.differing},
        )
        for r in plan.rows
    ]
    choices = [MergeChoice(n, label) for n, label in plan.differing]
    meta = MergeMeta(object=plan.spec.key, ids=[r.id for r in records], channel=origin.channel_id)
    return merge_form(plan.spec.key, records, choices, meta.dumps(), plan.notes)


# --------------------------------------------------------------------------- next: confirm
@refuses_forged_metadata
def on_merge_next(ack: Ack, view: dict[str, Any]) -> None:
    meta = MergeMeta.loads(view.get("private_metadata"))
    values = view_values(view)
    master = values.get(BlockId.MERGE_MASTER) or meta.ids[0]
    if master not in meta.ids:  # only the records the modal showed can be merged
        master = meta.ids[0]
    picks = {
        block[len(MERGE_FIELD_PREFIX) :]: chosen
        for block, chosen in values.items()
        if block.startswith(MERGE_FIELD_PREFIX) and chosen and chosen != master
    }
    names, texts = _option_texts(view)
    records = {i: MergeRecord(id=i, name=names.get(i, i), url="") for i in meta.ids}
    kept = {
        _label_of(view, f): (texts.get((f, rid), ""), records[rid].name)
        for f, rid in picks.items()
        if rid in records
    }
    confirm = meta.model_copy(update={"master": master, "picks": picks})
    others = [records[i] for i in meta.ids if i != master]
    ack(
        response_action="update",
        view=merge_confirm(meta.object, records[master], others, kept, confirm.dumps()),
    )


def _option_texts(view: dict[str, Any]) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """(record id -> name, (field, record id) -> value) from the form's own options."""
    names: dict[str, str] = {}
    texts: dict[tuple[str, str], str] = {}
    for block in view.get("blocks") or []:
        bid = block.get("block_id", "")
        for opt in (block.get("element") or {}).get("options") or []:
            text = (opt.get("text") or {}).get("text", "")
            if bid == BlockId.MERGE_MASTER:
                names[opt["value"]] = text.rsplit(" (", 1)[0]
            elif bid.startswith(MERGE_FIELD_PREFIX):
                texts[(bid[len(MERGE_FIELD_PREFIX) :], opt["value"])] = text
    return names, texts


def _label_of(view: dict[str, Any], api_name: str) -> str:
    for block in view.get("blocks") or []:
        if block.get("block_id") == MERGE_FIELD_PREFIX + api_name:
            return str((block.get("label") or {}).get("text") or api_name)
    return api_name


# --------------------------------------------------------------------------- merge
def merge_work(services: Services, origin: SlackOrigin, meta: MergeMeta) -> MergeRecordsOutput:
    ctx = services.actions
    spec = OBJECTS[meta.object]
    master = meta.master or meta.ids[0]
    dups = [i for i in meta.ids if i != master]
    columns = ["Id", *dict.fromkeys(meta.picks)]
    if spec.key == "lead":
        columns.append("IsConverted")
    rows = {r["Id"]: r for r in read_rows(ctx, spec, meta.ids, list(dict.fromkeys(columns)))}
    missing = [i for i in meta.ids if i not in rows]
    if missing:
        raise InvalidInput(
            f"{', '.join(missing)} no longer exist{'s' if len(missing) == 1 else ''} (merged or "
            "deleted meanwhile): nothing was merged",
            code="NOT_FOUND",
        )
    if any(r.get("IsConverted") for r in rows.values()):
        raise InvalidInput(
            "a lead here was converted meanwhile: a converted lead cannot be merged; nothing "
            "was sent",
            code="LEAD_CONVERTED",
        )
    fields = {f: rows[rid].get(f) for f, rid in meta.picks.items() if rid in rows}
    inp = MergeRecordsInput(master_id=master, duplicate_ids=dups, fields=fields)
    return services.run_audited(
        origin,
        "merge_records",
        lambda: merge_records(ctx, inp),
        object_name=spec.key,
        record_ids=[master, *dups],
        result_ids=lambda o: [o.id, *o.merged_ids, *o.updated_related_ids],
    )


def merged_view(meta: MergeMeta, out: MergeRecordsOutput) -> View:
    label = OBJECTS[meta.object].label.lower()
    moved = len(out.updated_related_ids)
    text = (
        f":white_check_mark: Merged {len(out.merged_ids)} {label}"
        f"{'s' if len(out.merged_ids) != 1 else ''} into `{out.id}`"
        + (f"; {moved} related record{'s' if moved != 1 else ''} moved to it." if moved else ".")
    )
    return modal(TITLE, CallbackId.RESULT_MODAL, [note(text)])


@refuses_forged_metadata
def on_merge_confirm(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    services = services_of(context)
    meta = MergeMeta.loads(view.get("private_metadata"))
    origin = SlackOrigin.of(body, meta.channel)

    def failed(exc: ActionError) -> SubmitOutcome:
        return SubmitOutcome(
            view=message_view(TITLE, f"{escape_mrkdwn(user_message(exc))}\nNothing was merged.")
        )

    submit(
        ack,
        client,
        view["id"],
        services,
        Submission(
            key=f"merge:{view['id']}",
            work=lambda: merge_work(services, origin, meta),
            on_success=lambda out: merged_view(meta, out),
            on_error=failed,
            working_view=lambda: message_view(
                TITLE, ":hourglass_flowing_sand: Merging in Salesforce…"
            ),
            closed_view=lambda: message_view(TITLE, ":white_check_mark: Merged."),
            replay=lambda stored: merged_view(meta, MergeRecordsOutput.model_validate(stored)),
            to_store=lambda out: out.model_dump(mode="json"),
        ),
    )


def register(app: App) -> None:
    app.view_submission(CallbackId.MERGE_MODAL)(on_merge_next)
    app.view_submission(CallbackId.MERGE_CONFIRM_MODAL)(on_merge_confirm)
