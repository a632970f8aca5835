"""The standard objects the project uses, as described in the "Object Reference for the
Salesforce Platform" (Lead, Contact, Account, Opportunity, Case, Campaign, Task, LeadStatus,
OpportunityStage, User): field API names, types, lengths, required-ness (nillable=false,
createable, not defaulted), read-only system/derived fields, key prefixes (00Q, 003, 001, 006,
500, 701, 00T, 01J, 005) and picklists (Lead Status default "Open - Not Contacted"; Case Status
default "New", Priority High/Medium/Low default "Medium"; Task Status default "Not Started";
the ten default Opportunity stages with their default probabilities).
"""

from __future__ import annotations

from .schema import FieldDef, ObjectDef


def _f(name: str, type_: str, label: str = "", **kw) -> FieldDef:
    if type_ in {"string", "textarea", "url", "email", "phone", "picklist"} and "length" not in kw:
        kw["length"] = {"textarea": 32000, "phone": 40, "email": 80, "picklist": 255}.get(
            type_, 255
        )
    if type_ == "id":
        kw.update(length=18, createable=False, updateable=False, nillable=False, defaulted=True)
    return FieldDef(name, type_, label or name, **kw)


def _ro(name: str, type_: str, label: str = "", **kw) -> FieldDef:
    """A read-only (system or derived) field."""
    kw.setdefault("nillable", type_ != "boolean")
    kw.setdefault("defaulted", True)
    return _f(name, type_, label, createable=False, updateable=False, **kw)


def _owner() -> FieldDef:
    return _f(
        "OwnerId",
        "reference",
        "Owner ID",
        ref=("User",),
        rel="Owner",
        length=18,
        nillable=False,
        defaulted=True,
    )


def _system(name_field: FieldDef | None = None) -> list[FieldDef]:
    out = [_f("Id", "id", "Record ID"), _ro("IsDeleted", "boolean", "Deleted", default=False)]
    if name_field is not None:
        out.append(name_field)
    out += [
        _ro("CreatedDate", "datetime", "Created Date", nillable=False),
        _ro(
            "CreatedById",
            "reference",
            "Created By ID",
            ref=("User",),
            rel="CreatedBy",
            length=18,
            nillable=False,
        ),
        _ro("LastModifiedDate", "datetime", "Last Modified Date", nillable=False),
        _ro(
            "LastModifiedById",
            "reference",
            "Last Modified By ID",
            ref=("User",),
            rel="LastModifiedBy",
            length=18,
            nillable=False,
        ),
        _ro("SystemModstamp", "datetime", "System Modstamp", nillable=False),
    ]
    return out


def _obj(
    name: str, label: str, plural: str, prefix: str, fields: list[FieldDef], **kw
) -> ObjectDef:
    return ObjectDef(name, label, plural, prefix, {f.name.lower(): f for f in fields}, **kw)


# Picklist values have an API name (what the API reads and writes: record fields, convertLead's
# convertedStatus) and a label (what people see), and an admin may rename the label only.
# LeadStatus/TaskStatus records carry both (Object Reference, "LeadStatus": "ApiName: Uniquely
# identifies a picklist value so it can be retrieved without using an id or primary label";
# "MasterLabel: Label for this lead status value"). The seed org renamed its converted lead
# status and its closing task status, so a client that sends a label, or assumes "Completed",
# fails here as it would in such an org.
# TaskStatus (Object Reference: "TaskStatus": MasterLabel, ApiName, IsClosed, IsDefault,
# SortOrder): the Task Status picklist values and which of them close a task.
TASK_STATUSES = (
    # (ApiName, MasterLabel, IsClosed)
    ("Not Started", "Not Started", False),
    ("In Progress", "In Progress", False),
    ("Done", "Done - closed", True),
    ("Waiting on someone else", "Waiting on someone else", False),
    ("Deferred", "Deferred", False),
)

LEAD_STATUSES = (
    # (ApiName, MasterLabel, IsConverted)
    ("Open - Not Contacted", "Open - Not Contacted", False),
    ("Working - Contacted", "Working - Contacted", False),
    ("Converted", "Won - converted", True),
    ("Closed - Not Converted", "Closed - Not Converted", False),
)
OPPORTUNITY_STAGES = (
    # (ApiName, DefaultProbability, IsClosed, IsWon)
    ("Prospecting", 10, False, False),
    ("Qualification", 10, False, False),
    ("Needs Analysis", 20, False, False),
    ("Value Proposition", 50, False, False),
    ("Id. Decision Makers", 60, False, False),
    ("Perception Analysis", 70, False, False),
    ("Proposal/Price Quote", 75, False, False),
    ("Negotiation/Review", 90, False, False),
    ("Closed Won", 100, True, True),
    ("Closed Lost", 0, True, False),
)
_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
_INDUSTRIES = (
    "Agriculture",
    "Banking",
    "Consulting",
    "Education",
    "Healthcare",
    "Manufacturing",
    "Retail",
    "Technology",
    "Other",
)


def _master_record(obj: str) -> FieldDef:
    """MasterRecordId: set on the records a merge() deleted, to the id of the record that was
    kept (Object Reference: Lead, Contact, Account, Case "MasterRecordId")."""
    return _ro(
        "MasterRecordId", "reference", "Master Record ID", ref=(obj,), rel="MasterRecord", length=18
    )


def _person_name() -> FieldDef:
    return _ro("Name", "string", "Full Name", length=121, name_field=True, nillable=False)


def build_catalog() -> dict[str, ObjectDef]:
    lead = _obj(
        "Lead",
        "Lead",
        "Leads",
        "00Q",
        [
            *_system(_person_name()),
            _f("FirstName", "string", "First Name", length=40),
            _f("LastName", "string", "Last Name", length=80, nillable=False),
            _f("Company", "string", "Company", length=255, nillable=False),
            _f("Title", "string", "Title", length=128),
            _f("Email", "email", "Email"),
            _f("Phone", "phone", "Phone"),
            _f(
                "Status",
                "picklist",
                "Lead Status",
                picklist=tuple(s[0] for s in LEAD_STATUSES),
                picklist_labels={s[0]: s[1] for s in LEAD_STATUSES},
                nillable=False,
                defaulted=True,
                default="Open - Not Contacted",
                restricted=True,
            ),
            _f("LeadSource", "picklist", "Lead Source", picklist=_SOURCES),
            _f("Industry", "picklist", "Industry", picklist=_INDUSTRIES),
            _f("Rating", "picklist", "Rating", picklist=("Hot", "Warm", "Cold")),
            _f("Description", "textarea", "Description"),
            _owner(),
            _master_record("Lead"),
            _ro("IsConverted", "boolean", "Converted", default=False),
            _ro("ConvertedDate", "date", "Converted Date"),
            _ro(
                "ConvertedAccountId",
                "reference",
                "Converted Account ID",
                ref=("Account",),
                rel="ConvertedAccount",
                length=18,
            ),
            _ro(
                "ConvertedContactId",
                "reference",
                "Converted Contact ID",
                ref=("Contact",),
                rel="ConvertedContact",
                length=18,
            ),
            _ro(
                "ConvertedOpportunityId",
                "reference",
                "Converted Opportunity ID",
                ref=("Opportunity",),
                rel="ConvertedOpportunity",
                length=18,
            ),
            _f("Lead_Score__c", "double", "Lead Score", custom=True),
        ],
        name_fields=("Name", "FirstName", "LastName", "Company"),
    )
    contact = _obj(
        "Contact",
        "Contact",
        "Contacts",
        "003",
        [
            *_system(_person_name()),
            _f("FirstName", "string", "First Name", length=40),
            _f("LastName", "string", "Last Name", length=80, nillable=False),
            _f("Email", "email", "Email"),
            _f("Phone", "phone", "Business Phone"),
            _f("Title", "string", "Title", length=128),
            _f("AccountId", "reference", "Account ID", ref=("Account",), rel="Account", length=18),
            _f("LeadSource", "picklist", "Lead Source", picklist=_SOURCES),
            _f("Description", "textarea", "Contact Description"),
            _owner(),
            _master_record("Contact"),
        ],
        name_fields=("Name", "FirstName", "LastName"),
    )
    account = _obj(
        "Account",
        "Account",
        "Accounts",
        "001",
        [
            *_system(
                _f("Name", "string", "Account Name", length=255, nillable=False, name_field=True)
            ),
            _f("Phone", "phone", "Account Phone"),
            _f("Website", "url", "Website"),
            _f("Industry", "picklist", "Industry", picklist=_INDUSTRIES),
            _f(
                "Type",
                "picklist",
                "Account Type",
                picklist=(
                    "Prospect",
                    "Customer - Direct",
                    "Customer - Channel",
                    "Partner",
                    "Other",
                ),
            ),
            _f("Description", "textarea", "Account Description"),
            _owner(),
            _master_record("Account"),
        ],
    )
    opportunity = _obj(
        "Opportunity",
        "Opportunity",
        "Opportunities",
        "006",
        [
            *_system(_f("Name", "string", "Name", length=120, nillable=False, name_field=True)),
            _f("AccountId", "reference", "Account ID", ref=("Account",), rel="Account", length=18),
            _f(
                "StageName",
                "picklist",
                "Stage",
                picklist=tuple(s[0] for s in OPPORTUNITY_STAGES),
                nillable=False,
                restricted=True,
            ),
            _f("CloseDate", "date", "Close Date", nillable=False),
            _f("Amount", "currency", "Amount"),
            _f("Probability", "percent", "Probability (%)", defaulted=True),
            _f("LeadSource", "picklist", "Lead Source", picklist=_SOURCES),
            _f("Description", "textarea", "Description"),
            _ro("IsClosed", "boolean", "Closed", default=False),
            _ro("IsWon", "boolean", "Won", default=False),
            _owner(),
        ],
    )
    case = _obj(
        "Case",
        "Case",
        "Cases",
        "500",
        [
            *_system(
                _ro(
                    "CaseNumber",
                    "string",
                    "Case Number",
                    length=30,
                    name_field=True,
                    nillable=False,
                )
            ),
            _f("Subject", "string", "Subject", length=255),
            _f("Description", "textarea", "Description"),
            _f("SuppliedName", "string", "Web Name", length=80),
            _f("SuppliedEmail", "email", "Web Email"),
            _f("SuppliedPhone", "phone", "Web Phone"),
            _f(
                "Status",
                "picklist",
                "Status",
                picklist=("New", "Working", "Escalated", "Closed"),
                defaulted=True,
                default="New",
                restricted=True,
            ),
            _f(
                "Priority",
                "picklist",
                "Priority",
                picklist=("High", "Medium", "Low"),
                defaulted=True,
                default="Medium",
                restricted=True,
            ),
            _f("Origin", "picklist", "Case Origin", picklist=("Phone", "Email", "Web")),
            _f("ContactId", "reference", "Contact ID", ref=("Contact",), rel="Contact", length=18),
            _f("AccountId", "reference", "Account ID", ref=("Account",), rel="Account", length=18),
            _ro("IsClosed", "boolean", "Closed", default=False),
            _owner(),
            _master_record("Case"),
        ],
        name_fields=("CaseNumber",),
    )
    campaign = _obj(
        "Campaign",
        "Campaign",
        "Campaigns",
        "701",
        [
            *_system(_f("Name", "string", "Name", length=80, nillable=False, name_field=True)),
            _f("Description", "textarea", "Description"),
            _f(
                "Status",
                "picklist",
                "Status",
                picklist=("Planned", "In Progress", "Completed", "Aborted"),
            ),
            _f(
                "Type",
                "picklist",
                "Type",
                picklist=("Conference", "Webinar", "Trade Show", "Email", "Advertisement", "Other"),
            ),
            _f("StartDate", "date", "Start Date"),
            _f("EndDate", "date", "End Date"),
            _f("IsActive", "boolean", "Active", nillable=False, defaulted=True, default=False),
            _owner(),
        ],
    )
    task = _obj(
        "Task",
        "Task",
        "Tasks",
        "00T",
        [
            *_system(),
            _f("Subject", "combobox", "Subject", length=255),
            _f("Description", "textarea", "Comments"),
            _f(
                "Status",
                "picklist",
                "Status",
                picklist=tuple(s[0] for s in TASK_STATUSES),
                picklist_labels={s[0]: s[1] for s in TASK_STATUSES},
                nillable=False,
                defaulted=True,
                default="Not Started",
                restricted=True,
            ),
            _f(
                "Priority",
                "picklist",
                "Priority",
                picklist=("High", "Normal", "Low"),
                nillable=False,
                defaulted=True,
                default="Normal",
                restricted=True,
            ),
            _f("WhoId", "reference", "Name ID", ref=("Contact", "Lead"), rel="Who", length=18),
            _f(
                "WhatId",
                "reference",
                "Related To ID",
                ref=("Account", "Opportunity", "Case", "Campaign"),
                rel="What",
                length=18,
            ),
            _f("ActivityDate", "date", "Due Date Only"),
            _f(
                "TaskSubtype",
                "picklist",
                "Task Subtype",
                picklist=("Task", "Email", "ListEmail", "Cadence", "Call"),
            ),
            _ro("IsClosed", "boolean", "Closed", default=False),
            _owner(),
        ],
        name_fields=("Subject",),
    )
    lead_status = _obj(
        "LeadStatus",
        "Lead Status Value",
        "Lead Status Value",
        "01J",
        [
            *_system(),
            _ro("MasterLabel", "string", "Master Label", length=255),
            _ro("ApiName", "string", "Api Name", length=255),
            _ro("SortOrder", "int", "Sort Order"),
            _ro("IsDefault", "boolean", "Is Default", default=False),
            _ro("IsConverted", "boolean", "Is Converted", default=False),
        ],
        createable=False,
        updateable=False,
        deletable=False,
        searchable=False,
    )
    task_status = _obj(
        "TaskStatus",
        "Task Status Value",
        "Task Status Value",
        "01J",
        [
            *_system(),
            _ro("MasterLabel", "string", "Master Label", length=255),
            _ro("ApiName", "string", "Api Name", length=255),
            _ro("SortOrder", "int", "Sort Order"),
            _ro("IsDefault", "boolean", "Is Default", default=False),
            _ro("IsClosed", "boolean", "Is Closed", default=False),
        ],
        createable=False,
        updateable=False,
        deletable=False,
        searchable=False,
    )
    stage = _obj(
        "OpportunityStage",
        "Opportunity Stage",
        "Opportunity Stage",
        "01J",
        [
            *_system(),
            _ro("MasterLabel", "string", "Master Label", length=255),
            _ro("ApiName", "string", "Api Name", length=255),
            _ro("IsActive", "boolean", "Is Active", default=True),
            _ro("SortOrder", "int", "Sort Order"),
            _ro("IsClosed", "boolean", "Closed", default=False),
            _ro("IsWon", "boolean", "Won", default=False),
            _ro("DefaultProbability", "percent", "Probability (%)"),
            _ro("ForecastCategoryName", "picklist", "Forecast Category"),
        ],
        createable=False,
        updateable=False,
        deletable=False,
        searchable=False,
    )
    user = _obj(
        "User",
        "User",
        "Users",
        "005",
        [
            *_system(_person_name()),
            _ro("Username", "string", "Username", length=80),
            _ro("FirstName", "string", "First Name", length=40),
            _ro("LastName", "string", "Last Name", length=80),
            _ro("Email", "email", "Email"),
            _ro("IsActive", "boolean", "Active", default=True),
        ],
        createable=False,
        updateable=False,
        deletable=False,
        name_fields=("Name", "FirstName", "LastName", "Username"),
    )
    objs = [
        lead,
        contact,
        account,
        opportunity,
        case,
        campaign,
        task,
        lead_status,
        task_status,
        stage,
        user,
    ]
    return {o.name.lower(): o for o in objs}
