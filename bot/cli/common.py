"""What every CLI command shares: settings, the action context, JSON errors and exit codes.

Exit codes: 0 success, 2 bad input or configuration (nothing was sent to Salesforce),
1 Salesforce refused or could not be reached.
"""

from __future__ import annotations

import functools
import getpass
import json
import os
import socket
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from actions.config import ActionsSettings
from actions.context import ActionContext
from actions.errors import ActionError
from storage.crypto import SecretKeyError
from storage.db import DatabaseURLError

F = TypeVar("F", bound=Callable[..., Any])


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, default=str))


PLAIN_ERRORS = "sfbot.plain_errors"  # click context meta key: errors for people, not JSON


def plain_errors(on: bool) -> None:
    """Make ``fail`` print plain text on stderr for the rest of this command (``sfbot run``
    is for people; ``sfbot action`` and ``--json`` keep the JSON error)."""
    click.get_current_context().meta[PLAIN_ERRORS] = on


def fail(code: str, message: str, exit_code: int, fields: list[str] | None = None) -> NoReturn:
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.meta.get(PLAIN_ERRORS):
        click.echo(f"sfbot: {message}", err=True)
    else:
        print_json({"error": {"code": code, "message": message, "fields": fields or []}})
    sys.exit(exit_code)


def handle_errors(fn: F) -> F:
    """Turn every expected failure into ``{"error": {...}}`` and the right exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ActionError as exc:
            print_json({"error": exc.to_dict()})
            sys.exit(exc.exit_code)
        except SecretKeyError as exc:
            fail("SECRET_KEY", str(exc), 2, ["SFBOT_SECRET_KEY"])
        except DatabaseURLError as exc:
            fail("DATABASE_URL", str(exc), 2, ["DATABASE_URL"])
        except SQLAlchemyError as exc:
            fail(
                "DATABASE",
                f"the database at DATABASE_URL cannot be used: {type(exc).__name__}: "
                f"{str(exc).splitlines()[0][:200]}",
                1,
                ["DATABASE_URL"],
            )
        except ValidationError as exc:  # settings from the environment
            fields = [".".join(str(p) for p in e["loc"]) for e in exc.errors()]
            fail("CONFIGURATION", f"invalid configuration: {exc.errors()[0]['msg']}", 2, fields)

    return wrapper  # type: ignore[return-value]


def load_settings() -> ActionsSettings:
    return ActionsSettings()


def action_context() -> ActionContext:
    return ActionContext.build(load_settings())


def cli_identity() -> str:
    """Who ran a CLI command, for the connection's "connected by"."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid {os.getuid()}"
    return f"cli:{user}@{socket.gethostname()}"
