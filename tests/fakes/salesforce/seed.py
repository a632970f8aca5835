"""The org every emulator starts with: its users, and the picklist value objects
(LeadStatus, TaskStatus, OpportunityStage) from catalog.py, labels renamed as described there."""

from __future__ import annotations

from .catalog import LEAD_STATUSES, OPPORTUNITY_STAGES, TASK_STATUSES


def seed_org(emu) -> None:
    with emu._lock:
        users = emu.store.catalog["user"]
        emu.user_id = emu.store.create(
            users,
            {
                "FirstName": "Integration",
                "LastName": "User",
                "IsActive": True,
                "Username": "integration@sfbot-emulator.example",
                "Email": "integration@sfbot-emulator.example",
            },
            strict=False,
        )
        emu.store.current_user = emu.user_id
        emu.store.records[emu.user_id].update(CreatedById=emu.user_id, LastModifiedById=emu.user_id)
        emu.admin_user_id = emu.store.create(
            users,
            {
                "FirstName": "Ada",
                "LastName": "Admin",
                "IsActive": True,
                "Username": "admin@sfbot-emulator.example",
                "Email": "admin@sfbot-emulator.example",
            },
            strict=False,
        )
        emu.username = "integration@sfbot-emulator.example"
        for i, (api_name, label, converted) in enumerate(LEAD_STATUSES, start=1):
            emu.store.create(
                emu.store.catalog["leadstatus"],
                {
                    "MasterLabel": label,
                    "ApiName": api_name,
                    "SortOrder": i,
                    "IsDefault": i == 1,
                    "IsConverted": converted,
                },
                strict=False,
            )
        for i, (api_name, label, closed) in enumerate(TASK_STATUSES, start=1):
            emu.store.create(
                emu.store.catalog["taskstatus"],
                {
                    "MasterLabel": label,
                    "ApiName": api_name,
                    "SortOrder": i,
                    "IsDefault": i == 1,
                    "IsClosed": closed,
                },
                strict=False,
            )
        for i, (name, prob, closed, won) in enumerate(OPPORTUNITY_STAGES, start=1):
            emu.store.create(
                emu.store.catalog["opportunitystage"],
                {
                    "MasterLabel": name,
                    "ApiName": name,
                    "IsActive": True,
                    "SortOrder": i,
                    "IsClosed": closed,
                    "IsWon": won,
                    "DefaultProbability": float(prob),
                },
                strict=False,
            )
