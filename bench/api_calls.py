"""Salesforce API calls per action, once metadata is cached: `python -m bench.api_calls`.

Starts the Salesforce emulator, connects with client credentials, runs every case once cold
(describes and the converted lead status are fetched then), again warm in the same process,
and again in a new process on the same database (``python -m bench.api_calls --serve``, fed
each case's input over stdin; the metadata cache is shared through the database). Prints a
table and exits 1 when a warm or new-process count misses its target (1 call per create,
update, delete, lookup, find_duplicates, merge and conversion) or when any token request was
made after the warm-up. The org's seeded duplicate rules are active (names and emails are
unique, so only the duplicate cases find matches).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet

from actions.config import ActionsSettings
from actions.connect import connect_client_credentials
from actions.context import ActionContext
from actions.registry import run_action
from tests.e2e.harness import CC_CLIENT_ID, CC_CLIENT_SECRET, start_emulator
from tests.fakes.salesforce import SalesforceEmulator
from tests.fakes.salesforce.duplicates import SEEDED_RULES

Input = Callable[[SalesforceEmulator], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    label: str
    action: str
    make_input: Input  # builds a fresh input (inserting the records it needs)
    target: int


_SEQ = itertools.count()


def _lead(emu: SalesforceEmulator) -> str:
    n = next(_SEQ)
    return emu.insert("Lead", {"LastName": f"Bench{n}", "Company": "Co", "Email": f"b{n}@x.io"})


def _duplicate_leads(emu: SalesforceEmulator) -> dict[str, Any]:
    """A lead, and a lead and a contact with its email (found in one call)."""
    email = f"dup{next(_SEQ)}@x.io"
    emu.insert("Lead", {"LastName": "Dup", "Company": "Co", "Email": email})
    emu.insert("Contact", {"LastName": "Dup", "Email": email})
    return {"object": "lead", "name": "New Person", "email": email}


def _merge_input(emu: SalesforceEmulator) -> dict[str, Any]:
    master, dup = _lead(emu), _lead(emu)
    emu.insert("Task", {"Subject": "Call", "WhoId": dup})
    return {"master_id": master, "duplicate_ids": [dup], "fields": {"Phone": "555-0101"}}


CASES = [
    *(
        Case(
            f"create {obj}",
            "create_record",
            lambda _e, o=obj: {"object": o, "name": f"A B{next(_SEQ)}"},
            1,
        )
        for obj in ("lead", "contact", "account", "opportunity", "case", "campaign")
    ),
    Case("update lead", "update_record", lambda e: {"id": _lead(e), "phone": "555-0100"}, 1),
    Case(
        "update contact name",
        "update_record",
        lambda e: {"id": e.insert("Contact", {"LastName": "X"}), "name": "New Name"},
        1,
    ),
    Case("delete lead", "delete_record", lambda e: {"object_id": _lead(e)}, 1),
    Case(
        "delete case",
        "delete_record",
        lambda e: {"object_id": e.insert("Case", {"Subject": "S"})},
        1,
    ),
    Case("lookup by id", "lookup_record", lambda e: {"id": _lead(e)}, 1),
    Case("lookup by email", "lookup_record", lambda _e: {"email": "b1@x.io"}, 1),
    Case("lookup by phone", "lookup_record", lambda _e: {"phone": "555-0100"}, 1),
    Case("lookup by name", "lookup_record", lambda _e: {"name": "Bench"}, 1),
    Case("lookup case by name", "lookup_record", lambda _e: {"name": "Sub", "object": "case"}, 1),
    Case("convert lead", "convert_lead", lambda e: {"lead_id": _lead(e)}, 1),
    Case(
        "convert into account",
        "convert_lead",
        lambda e: {
            "lead_id": _lead(e),
            "account_id": e.insert("Account", {"Name": f"A{next(_SEQ)}"}),
        },
        1,
    ),
    Case("find duplicates", "find_duplicates", _duplicate_leads, 1),
    Case("merge 2 leads", "merge_records", _merge_input, 1),
]


def calls(emu: SalesforceEmulator, ctx: ActionContext, case: Case) -> int:
    raw = case.make_input(emu)
    before = emu.api_calls
    run_action(ctx, case.action, raw)
    return emu.api_calls - before


class NewProcess:
    """A second sfbot process (``--serve``) on the same database, running one case a line."""

    def __init__(self, settings: ActionsSettings, ca_bundle: str) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "SFBOT_SECRET_KEY": settings.secret_key.get_secret_value(),
            "REQUESTS_CA_BUNDLE": ca_bundle,
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.api_calls", "--serve"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def calls(self, emu: SalesforceEmulator, case: Case) -> int:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        raw = case.make_input(emu)
        before = emu.api_calls
        self.proc.stdin.write(json.dumps({"action": case.action, "input": raw}) + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        if answer != "ok":
            raise RuntimeError(f"{case.label} in the new process: {answer or 'no answer'}")
        return emu.api_calls - before

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def serve() -> int:
    """The new process: run each case read from stdin, answer ``ok`` or the error."""
    ctx = ActionContext.build(ActionsSettings())
    for line in sys.stdin:
        case = json.loads(line)
        try:
            run_action(ctx, case["action"], case["input"])
            print("ok", flush=True)
        except Exception as exc:
            print(f"error {exc!r}", flush=True)
    ctx.close()
    return 0


def main() -> int:
    emu = start_emulator()
    emu.activate_duplicate_rules(*SEEDED_RULES)
    os.environ["REQUESTS_CA_BUNDLE"] = emu.ca_bundle
    contexts: list[ActionContext] = []
    try:
        with tempfile.TemporaryDirectory(prefix="sfbot-bench-") as tmp:
            settings = ActionsSettings(
                _env_file=None,  # type: ignore[call-arg]
                database_url=f"sqlite:///{tmp}/bench.db",
                secret_key=Fernet.generate_key().decode(),
            )
            ctx = ActionContext.build(settings)
            contexts.append(ctx)
            connect_client_credentials(ctx, emu.login_url, CC_CLIENT_ID, CC_CLIENT_SECRET, "bench")
            cold = [calls(emu, ctx, case) for case in CASES]  # the warm-up
            emu.reset_counters()
            warm = [calls(emu, ctx, case) for case in CASES]
            warm_connections = emu.connections_opened
            other = NewProcess(settings, emu.ca_bundle)
            try:
                fresh = [other.calls(emu, case) for case in CASES]
            finally:
                other.close()
            tokens = emu.token_requests
            fresh_connections = emu.connections_opened - warm_connections
    finally:
        for c in contexts:
            c.close()
        emu.stop()

    print(f"{'action':<24}{'cold':>6}{'warm':>6}{'new process':>13}{'target':>8}  ok")
    missed = 0
    for case, c, w, f in zip(CASES, cold, warm, fresh, strict=True):
        ok = w <= case.target and f <= case.target
        missed += not ok
        print(
            f"{case.label:<24}{c:>6}{w:>6}{f:>13}{'<=' + str(case.target):>8}  {'yes' if ok else 'NO'}"
        )
    print(f"\ntoken requests after warm-up: {tokens} (target 0)")
    print(
        f"TCP connections opened after warm-up: {warm_connections} by the warm process, "
        f"{fresh_connections} by the new one for {len(CASES)} actions (keep-alive)"
    )
    if tokens:
        missed += 1
    print("all targets met" if not missed else f"{missed} target(s) missed")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(serve() if sys.argv[1:] == ["--serve"] else main())
