"""What a run knows between steps, kept in the database so a paused run survives restarts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class StepOutcome(Exception):
    """A step ended the run: ``status`` is failed or outcome_unknown; ``message`` says why."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Paused(Exception):
    """An ask is waiting for a click: the run stops here and resumes later."""


class LostClaim(Exception):
    """Another process took the run over after this one fell silent: stop, change nothing."""


class Stopped(Exception):
    """A ``stop`` step: the run ends, successfully."""


@dataclass
class RunState:
    outputs: dict[str, Any] = field(default_factory=dict)  # steps.ID
    executed: int = 0  # steps executed, against the limit per run
    seq: int = 0  # numbering of the recorded steps
    document: dict[str, Any] | None = None  # the definition the run started with
    ask_step_row: int | None = None  # the paused ask's step record

    def to_json(self) -> dict[str, Any]:
        return {
            "outputs": self.outputs,
            "executed": self.executed,
            "seq": self.seq,
            "document": self.document,
            "ask_step_row": self.ask_step_row,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunState:
        return cls(
            outputs=dict(data.get("outputs") or {}),
            executed=int(data.get("executed") or 0),
            seq=int(data.get("seq") or 0),
            document=data.get("document"),
            ask_step_row=data.get("ask_step_row"),
        )


def parse_path(path: str) -> list[int | str]:
    """``"2.then.1"`` -> ``[2, "then", 1]``."""
    return [int(p) if p.isdigit() else p for p in path.split(".")]
