"""What every action's input and output model shares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from actions.errors import invalid_input_from
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

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Self:
        """``raw`` as this input, or InvalidInput naming every bad field (nothing is sent)."""
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise invalid_input_from(exc) from exc


class ActionOutput(BaseModel):
    model_config = ConfigDict(extra="forbid")
