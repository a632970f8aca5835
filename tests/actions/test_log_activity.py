"""log_activity: one completed Task, linked by WhoId or WhatId, in one API call."""

from __future__ import annotations

from datetime import date

import pytest

from actions.errors import InvalidInput, NotFound
from actions.log_activity import LogActivityInput, log_activity
from tests.actions import api_requests


@pytest.mark.parametrize(
    ("sobject", "values", "link"),
    [
        ("Lead", {"LastName": "Who", "Company": "C"}, "WhoId"),
        ("Contact", {"LastName": "Who"}, "WhoId"),
        ("Account", {"Name": "What"}, "WhatId"),
        ("Case", {"Subject": "What"}, "WhatId"),
    ],
)
def test_task_is_linked_by_the_right_relationship(ctx, emu, sobject, values, link):
    record_id = emu.insert(sobject, values)
    ctx.metadata.closed_task_status()  # cached after the first task (TaskStatus query)
    emu.reset_counters()
    out = log_activity(
        ctx,
        LogActivityInput(
            record_id=record_id[:15],
            subject="Slack message from sam",
            text="  Customer wants a refund  ",
            source_url="https://team.slack.com/archives/C1/p1",
        ),
    )
    task = emu.get(out.task_id)
    assert (out.record_id, out.object) == (record_id, sobject.lower())
    assert task[link] == record_id
    assert task["WhatId" if link == "WhoId" else "WhoId"] is None
    assert task["Status"] == "Done"  # the org's closed status API name, not "Completed"
    assert task["Subject"] == "Slack message from sam"
    assert task["Description"] == "Customer wants a refund\n\nhttps://team.slack.com/archives/C1/p1"
    assert task["ActivityDate"] == date.today().isoformat()
    assert emu.api_calls == 1
    (post,) = api_requests(emu, "POST")
    assert post["path"].endswith("/sobjects/Task/")


def test_a_malformed_id_is_refused_before_any_request(ctx, emu):
    with pytest.raises(InvalidInput) as info:
        log_activity(ctx, LogActivityInput(record_id="00Qxxxxxxxxxxxx!", subject="s"))
    assert info.value.fields == ["record_id"]
    assert emu.api_calls == 0


def test_a_deleted_record_is_not_found(ctx, emu):
    lead = emu.insert("Lead", {"LastName": "Gone", "Company": "C"})
    emu.store.delete(emu.store.raw(lead))
    with pytest.raises(NotFound):
        log_activity(ctx, LogActivityInput(record_id=lead, subject="s", text="t"))
