"""Salesforce API calls per action, once metadata is cached: `python -m bench.api_calls`.

Starts the Salesforce emulator, connects with client credentials, runs every case once cold
(describes and the converted lead status are fetched then), again warm in the same process,
and again in a new process on the same database (the metadata cache is shared through it).
Prints a table and exits 1 when a warm count misses its target (1 call per create, update,
delete and lookup; at most 2 per conversion) or when any token request was made after
the warm-up.
"""

from __future__ import annotations

import os
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

Input = Callable[[SalesforceEmulator], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    label: str
    action: str
    make_input: Input  # builds a fresh input (inserting the records it needs)
    target: int


def _lead(emu: SalesforceEmulator) -> str:
    return emu.insert("Lead", {"LastName": "Bench", "Company": "Co", "Email": "b@example.com"})


CASES = [
    *(
        Case(f"create {obj}", "create_record", lambda _e, o=obj: {"object": o, "name": "A B"}, 1)
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
    Case("lookup by email", "lookup_record", lambda _e: {"email": "b@example.com"}, 1),
    Case("lookup by phone", "lookup_record", lambda _e: {"phone": "555-0100"}, 1),
    Case("lookup by name", "lookup_record", lambda _e: {"name": "Bench"}, 1),
    Case("lookup case by name", "lookup_record", lambda _e: {"name": "Sub", "object": "case"}, 1),
    Case("convert lead", "convert_lead", lambda e: {"lead_id": _lead(e)}, 2),
    Case(
        "convert into account",
        "convert_lead",
        lambda e: {"lead_id": _lead(e), "account_id": e.insert("Account", {"Name": "A"})},
        2,
    ),
]


def calls(emu: SalesforceEmulator, ctx: ActionContext, case: Case) -> int:
    raw = case.make_input(emu)
    before = emu.api_calls
    run_action(ctx, case.action, raw)
    return emu.api_calls - before


def main() -> int:
    emu = start_emulator()
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
            other = ActionContext.build(settings)  # a second sfbot process
            contexts.append(other)
            fresh = [calls(emu, other, case) for case in CASES]
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
    sys.exit(main())
