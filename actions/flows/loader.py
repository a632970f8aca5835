"""Flow files: YAML in, a checked ``FlowDefinition`` out, or every problem with its line.

Checks: the shape (``actions.flows.model``), step inputs against the action models, template
syntax and names, step ids (unique; ``steps.ID`` only after the step ``ID``), nesting. Channel
names and membership need Slack: ``actions.flows.apply`` checks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from actions.flows import templates
from actions.flows.action_steps import FLOW_ACTIONS, check_action_input
from actions.flows.model import (
    BODY_MODELS,
    IF,
    MAX_NESTING,
    NAME_RE,
    STEP_ID_RE,
    TOP_LEVEL_KEYS,
    TRIGGER_MODELS,
    FlowDefinition,
    Step,
)
from actions.flows.ports import SCHEDULE
from actions.flows.yaml_lines import YamlProblem, line_of, load_with_lines

Loc = tuple[Any, ...]
STEP_KINDS = (*FLOW_ACTIONS, *BODY_MODELS, IF)
THREADLESS_TRIGGERS = (SCHEDULE,)  # no triggering message: ``thread: true`` has nothing to reply to


@dataclass(frozen=True)
class Problem:
    line: int | None
    message: str

    def format(self, filename: str) -> str:
        return (
            f"{filename}:{self.line}: {self.message}"
            if self.line
            else f"{filename}: {self.message}"
        )


class FlowFileError(Exception):
    """A flow file has problems; ``lines()`` gives them as ``FILE:LINE: what is wrong``."""

    def __init__(self, filename: str, problems: list[Problem]) -> None:
        super().__init__(f"{filename}: {len(problems)} problem(s)")
        self.filename = filename
        self.problems = problems

    def lines(self) -> list[str]:
        return [p.format(self.filename) for p in self.problems]


class _Parser:
    def __init__(self, lines: dict[Loc, int]) -> None:
        self.lines = lines
        self.problems: list[Problem] = []
        self.ids_seen: set[str] = set()
        self.trigger_kind = ""

    def problem(self, loc: Loc, message: str) -> None:
        self.problems.append(Problem(line_of(self.lines, loc), message))

    def model(self, cls: type[BaseModel], raw: Any, loc: Loc, what: str) -> BaseModel | None:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            self.problem(loc, f"{what} must be a mapping")
            return None
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"])
                message = err["msg"].removeprefix("Value error, ")
                self.problem(
                    (*loc, *err["loc"]), f"{what}: {where + ': ' if where else ''}{message}"
                )
            return None

    # -- templates -----------------------------------------------------------------------

    def templates_in(self, value: Any, loc: Loc, *, expression: bool = False) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                self.templates_in(v, (*loc, k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self.templates_in(v, (*loc, i))
        elif isinstance(value, str) and (expression or templates.has_template(value)):
            try:
                tree = templates.parse(value, expression=expression)
            except templates.TemplateProblem as exc:
                self.problem(loc, exc.message)
                return
            for name in templates.unknown_names(tree):
                self.problem(loc, f"unknown name {name!r}: use {', '.join(templates.ROOTS)}")
            for attr in templates.private_attributes(tree):
                self.problem(loc, f"{attr!r}: templates cannot reach Python internals")
            for ref in templates.step_references(tree):
                if ref not in self.ids_seen:
                    self.problem(loc, f"steps.{ref} is not the id of an earlier step")

    # -- steps ---------------------------------------------------------------------------

    def steps(self, raw: Any, loc: Loc, depth: int, prefix: str) -> tuple[Step, ...]:
        if not isinstance(raw, list) or not raw:
            self.problem(loc, "steps must be a non-empty list")
            return ()
        if depth > MAX_NESTING:
            self.problem(loc, f"steps are nested more than {MAX_NESTING} levels deep")
            return ()
        out = []
        for i, item in enumerate(raw):
            step = self.step(item, (*loc, i), depth, f"{prefix}{i}")
            if step is not None:
                out.append(step)
        return tuple(out)

    def step(self, raw: Any, loc: Loc, depth: int, path: str) -> Step | None:
        if not isinstance(raw, dict):
            self.problem(loc, "a step must be a mapping")
            return None
        kinds = [k for k in raw if k in STEP_KINDS]
        unknown = [k for k in raw if k not in STEP_KINDS and k not in ("id", "then", "else")]
        for key in unknown:
            self.problem(
                (*loc, key), f"unknown step key {key!r}: a step is one of {', '.join(STEP_KINDS)}"
            )
        if len(kinds) != 1:
            if not unknown:
                self.problem(loc, f"a step has exactly one of {', '.join(STEP_KINDS)}")
            return None
        kind = kinds[0]
        step_id = raw.get("id")
        if step_id is not None and (not isinstance(step_id, str) or not STEP_ID_RE.match(step_id)):
            self.problem((*loc, "id"), "a step id is lowercase letters, digits and _ (not first)")
            step_id = None
        if step_id in self.ids_seen:
            self.problem((*loc, "id"), f"step id {step_id!r} is used twice")
        if kind != IF and ("then" in raw or "else" in raw):
            self.problem(loc, "then/else belong to an if step")
        body: Any = raw[kind]
        then: tuple[Step, ...] = ()
        otherwise: tuple[Step, ...] = ()
        if kind == IF:
            if not isinstance(body, str) or not body.strip():
                self.problem((*loc, IF), "if takes an expression, e.g. steps.find.count == 0")
            elif templates.has_template(body):
                self.problem((*loc, IF), "if takes a bare expression, without {{ }}")
            else:
                self.templates_in(body, (*loc, IF), expression=True)
            then = self.steps(raw.get("then"), (*loc, "then"), depth + 1, f"{path}.then.")
            if "else" in raw:
                otherwise = self.steps(raw["else"], (*loc, "else"), depth + 1, f"{path}.else.")
        elif kind in FLOW_ACTIONS:
            if not isinstance(body, dict):
                self.problem((*loc, kind), f"{kind} takes a mapping of its inputs")
            else:
                for where, message in check_action_input(kind, body):
                    self.problem((*loc, kind, *where), message)
                self.templates_in(body, (*loc, kind))
        else:
            if kind == "stop" and body not in (None, {}):
                self.problem((*loc, kind), "stop takes no inputs: stop: {}")
            self.templates_in(body, (*loc, kind))
            body = self.model(BODY_MODELS[kind], body, (*loc, kind), kind)
            if getattr(body, "thread", False) and self.trigger_kind in THREADLESS_TRIGGERS:
                self.problem((*loc, kind, "thread"), f"a {self.trigger_kind} trigger has no thread")
        if step_id:
            self.ids_seen.add(step_id)
        return Step(kind=kind, path=path, id=step_id, body=body, then=then, otherwise=otherwise)

    # -- the file ------------------------------------------------------------------------

    def flow(self, data: Any) -> FlowDefinition | None:
        if not isinstance(data, dict):
            self.problem((), "a flow file is a mapping with name, trigger and steps")
            return None
        for key in data:
            if key not in TOP_LEVEL_KEYS:
                self.problem((key,), f"unknown key {key!r}: use {', '.join(TOP_LEVEL_KEYS)}")
        name = data.get("name")
        if not isinstance(name, str) or not NAME_RE.match(name):
            self.problem(
                ("name",), "name is required: lowercase letters, digits and dashes (at most 64)"
            )
        description = data.get("description", "")
        if description is None:
            description = ""
        if not isinstance(description, str):
            self.problem(("description",), "description must be text")
        enabled = data.get("enabled", True)
        if not isinstance(enabled, bool):
            self.problem(("enabled",), "enabled must be true or false")
        trigger = self.trigger(data.get("trigger"))
        steps = self.steps(data.get("steps"), ("steps",), 1, "")
        if self.problems or trigger is None:
            return None
        return FlowDefinition(
            name=str(name),
            description=str(description),
            enabled=bool(enabled),
            trigger_kind=self.trigger_kind,
            trigger=trigger,
            steps=steps,
            document=data,
        )

    def trigger(self, raw: Any) -> BaseModel | None:
        if not isinstance(raw, dict) or len(raw) != 1:
            self.problem(("trigger",), f"trigger has exactly one of {', '.join(TRIGGER_MODELS)}")
            return None
        ((kind, body),) = raw.items()
        if kind not in TRIGGER_MODELS:
            self.problem(
                ("trigger", kind), f"unknown trigger {kind!r}: use {', '.join(TRIGGER_MODELS)}"
            )
            return None
        self.trigger_kind = kind
        model = self.model(TRIGGER_MODELS[kind], body, ("trigger", kind), kind)
        if model is not None and kind == SCHEDULE:
            from actions.cron import cron_trigger
            from actions.errors import InvalidInput

            try:
                cron_trigger(model.cron, model.timezone)  # type: ignore[attr-defined]
            except InvalidInput as exc:
                field = "timezone" if "timezone" in exc.fields else "cron"
                self.problem(("trigger", kind, field), f"schedule: {exc.message}")
                return None
        return model


def parse_text(text: str, filename: str) -> FlowDefinition:
    """A flow file's text, checked; FlowFileError lists every problem with its line."""
    return parse_text_with_lines(text, filename)[0]


def parse_text_with_lines(text: str, filename: str) -> tuple[FlowDefinition, dict[Loc, int]]:
    """As ``parse_text``, with the line of every value (for later checks, e.g. channels)."""
    try:
        data, lines = load_with_lines(text)
    except YamlProblem as exc:
        raise FlowFileError(filename, [Problem(exc.line, exc.message)]) from exc
    parser = _Parser(lines)
    flow = parser.flow(data)
    if flow is None:
        raise FlowFileError(filename, parser.problems or [Problem(None, "not a flow")])
    return flow, lines


def parse_file(path: str | Path) -> tuple[FlowDefinition, str]:
    """(definition, the file's text)."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FlowFileError(name, [Problem(None, f"cannot read the file: {exc}")]) from exc
    return parse_text(text, name), text


def parse_document(document: dict[str, Any], name: str = "<stored flow>") -> FlowDefinition:
    """A stored flow's document (as applied), parsed again."""
    parser = _Parser({})
    flow = parser.flow(document)
    if flow is None:
        raise FlowFileError(name, parser.problems)
    return flow
