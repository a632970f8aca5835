"""Templates in flow files: Jinja2's SandboxedEnvironment with StrictUndefined.

Any string may hold ``{{ expression }}``; a string that is exactly one ``{{ ... }}`` keeps the
value's type (a number stays a number, a list a list). ``if:`` takes a bare expression. A
template can never reach Python internals (``''.__class__`` and the like raise), an undefined
name is an error, and ``*``/``**`` may not build huge values.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, Undefined, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

ROOTS = ("trigger", "steps", "flow", "run")
MAX_VALUE_LENGTH = 100_000
_ONE_EXPRESSION = re.compile(r"^\{\{(?P<expr>(?:(?!\{\{|\}\}).)*)\}\}$", re.DOTALL)


class TemplateProblem(Exception):
    """A template could not be compiled or evaluated; ``message`` says why, for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FlowSandbox(SandboxedEnvironment):
    """The sandbox, with ``*`` and ``**`` checked so a template cannot exhaust memory."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            if isinstance(right, int | float) and abs(right) > 64:
                raise SecurityError("exponent too large")
            return operator.pow(left, right)
        if isinstance(left, str | list) or isinstance(right, str | list):
            count = right if isinstance(left, str | list) else left
            size = len(left if isinstance(left, str | list) else right)
            if isinstance(count, int) and count * size > MAX_VALUE_LENGTH:
                raise SecurityError("the value would be too large")
        return operator.mul(left, right)


ENV = FlowSandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


def has_template(text: str) -> bool:
    return "{{" in text or "{%" in text or "{#" in text


def single_expression(text: str) -> str | None:
    """The expression of a string that is exactly one ``{{ ... }}``, else None."""
    found = _ONE_EXPRESSION.match(text.strip())
    return found.group("expr").strip() if found else None


def _why(exc: Exception) -> str:
    if isinstance(exc, SecurityError):
        return f"not allowed in a template: {exc}"
    if isinstance(exc, UndefinedError):
        return f"undefined in a template: {exc.message}"
    if isinstance(exc, TemplateSyntaxError):
        return f"template syntax error: {exc.message}"
    return f"template error: {type(exc).__name__}: {exc}"


@functools.lru_cache(maxsize=4096)
def _expression(expr: str) -> Callable[..., Any]:
    try:
        return ENV.compile_expression(expr, undefined_to_none=False)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(_why(exc)) from exc


@functools.lru_cache(maxsize=4096)
def _template(text: str) -> Any:
    try:
        return ENV.from_string(text)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(_why(exc)) from exc


def evaluate(expr: str, variables: dict[str, Any]) -> Any:
    """The value of a bare expression (``if:``)."""
    try:
        value = _expression(expr)(**variables)
        if isinstance(value, Undefined):
            str(value)  # StrictUndefined raises here: an unknown name or an unsafe attribute
        return value
    except TemplateProblem:
        raise
    except Exception as exc:  # whatever a template raises is the flow's problem
        raise TemplateProblem(_why(exc)) from exc


def render(value: Any, variables: dict[str, Any]) -> Any:
    """``value`` with every template in it rendered (mappings and lists recursively)."""
    if isinstance(value, dict):
        return {k: render(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, variables) for v in value]
    if not isinstance(value, str) or not has_template(value):
        return value
    expr = single_expression(value)
    if expr is not None:
        return evaluate(expr, variables)
    try:
        text = _template(value).render(**variables)
    except TemplateProblem:
        raise
    except Exception as exc:  # whatever a template raises is the flow's problem
        raise TemplateProblem(_why(exc)) from exc
    if len(text) > MAX_VALUE_LENGTH:
        raise TemplateProblem("the rendered text is too long")
    return text


# -- checks when a flow is applied ---------------------------------------------------------


def parse(text: str, *, expression: bool = False) -> nodes.Template:
    """The template's syntax tree; TemplateProblem when its syntax is wrong."""
    source = "{{ " + text + " }}" if expression else text
    try:
        tree = ENV.parse(source)
        if expression:
            _expression(text)
        return tree
    except TemplateSyntaxError as exc:
        raise TemplateProblem(_why(exc)) from exc


def unknown_names(tree: nodes.Template) -> list[str]:
    """Names a template uses that are not variables of a run (a typo, or Python internals)."""
    from jinja2 import meta

    return sorted(n for n in meta.find_undeclared_variables(tree) if n not in ROOTS)


def private_attributes(tree: nodes.Template) -> list[str]:
    """Attributes starting with ``_``: the sandbox refuses them, so refuse them at apply."""
    return sorted(
        {
            n.attr
            for n in tree.find_all(nodes.Getattr)
            if isinstance(n, nodes.Getattr) and n.attr.startswith("_")
        }
    )


def step_references(tree: nodes.Template) -> list[str]:
    """The step ids a template reads: ``steps.ID`` and ``steps['ID']``."""
    refs: list[str] = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        assert isinstance(node, nodes.Getattr | nodes.Getitem)
        inner = node.node
        if isinstance(inner, nodes.Name) and inner.name == "steps":
            if isinstance(node, nodes.Getattr):
                refs.append(node.attr)
            elif (
                isinstance(node, nodes.Getitem)
                and isinstance(node.arg, nodes.Const)
                and isinstance(node.arg.value, str)
            ):
                refs.append(node.arg.value)
    return refs
