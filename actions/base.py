"""What every action's input and output model shares."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from actions.fields import FieldValue

RecordId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=15, max_length=18),
    Field(description="A 15- or 18-character Salesforce record id"),
]
OptionalText = Annotated[str | None, Field(default=None, max_length=32000)]
ExtraFields = Annotated[
    dict[str, FieldValue],
    Field(
        default_factory=dict,
        description='Any other writable field by API name, e.g. {"Company": "Acme"}',
    ),
]


class ActionInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ActionOutput(BaseModel):
    model_config = ConfigDict(extra="forbid")
