"""log_activity: record something that happened as a completed Task on a record.

The Task is linked through ``WhoId`` for a lead or a contact and through ``WhatId`` for an
account, an opportunity, a case or a campaign (Salesforce's two activity relationships).
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from actions.base import ActionInput, ActionOutput, RecordId
from actions.context import ActionContext
from actions.objects import ObjectName, normalize_id, spec_for_id

WHO_OBJECTS = ("lead", "contact")
DESCRIPTION_MAX = 32000


class LogActivityInput(ActionInput):
    record_id: RecordId = Field(description="The lead, contact, account, opportunity or case")
    subject: str = Field(min_length=1, max_length=255)
    text: str = Field(default="", max_length=30000, description="What happened, e.g. a message")
    source_url: str | None = Field(
        default=None, max_length=1000, description="Where it happened, added to the description"
    )


class LogActivityOutput(ActionOutput):
    task_id: str = Field(description="The new Task's 18-character id")
    record_id: str
    object: ObjectName


def task_description(text: str, source_url: str | None) -> str:
    parts = [p for p in (text.strip(), source_url) if p]
    return "\n\n".join(parts)[:DESCRIPTION_MAX]


def log_activity(ctx: ActionContext, inp: LogActivityInput) -> LogActivityOutput:
    """Create one completed Task linked to ``record_id``, in one API call."""
    record_id = normalize_id(inp.record_id, "record_id")
    spec = spec_for_id(record_id, "record_id")
    body = {
        "Subject": inp.subject,
        "Description": task_description(inp.text, inp.source_url),
        "Status": ctx.metadata.closed_task_status(),  # an API name, "Completed" by default
        "ActivityDate": date.today().isoformat(),
        ("WhoId" if spec.key in WHO_OBJECTS else "WhatId"): record_id,
    }
    result = ctx.connection.rest("sobjects/Task/", method="POST", json=body, write=True)
    return LogActivityOutput(task_id=result["id"], record_id=record_id, object=spec.key)
