"""SOAP 1.1 partner API: convertLead() here; findDuplicates() and merge() in soap_dups.py (SOAP API Developer Guide, "convertLead()",
sforce_api_calls_convertlead.htm; "LeadConvert"/"LeadConvertResult"; "SessionHeader";
"Error Handling" / API fault elements).

* Request: POST /services/Soap/u/{version}, envelope with
  <SessionHeader xmlns="urn:partner.soap.sforce.com"><sessionId>token</sessionId> and
  <convertLead><leadConverts>accountId, contactId, convertedStatus, doNotCreateOpportunity,
  leadId, opportunityName, overwriteLeadSource, ownerId, sendNotificationEmail
  </leadConverts>...</convertLead>.
* Response: <convertLeadResponse><result> accountId, contactId, errors[fields, message,
  statusCode], leadId, opportunityId, success </result>... one result per LeadConvert.
* convertedStatus "Valid LeadStatus value for a converted lead" (a LeadStatus with
  IsConverted = true), else statusCode INVALID_STATUS "invalid convertedStatus: v". The value
  is the picklist value's API name (LeadStatus.ApiName); its label (MasterLabel) is refused
  like any other unknown value once an admin renamed it, as a real org does.
  accountId, when given, must be an existing Account; contactId must belong to it.
  opportunityName: "Name of the opportunity to create. If no name is specified, then this
  value defaults to the company name of the lead." Must be blank when doNotCreateOpportunity.
* A converted lead cannot be converted/updated again: statusCode CANNOT_UPDATE_CONVERTED_LEAD.
* Bad session: HTTP 500 fault, faultcode sf:INVALID_SESSION_ID, faultstring
  "INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session", detail
  sf:UnexpectedErrorFault with exceptionCode/exceptionMessage (urn:fault.partner.soap.sforce.com).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from . import soap_dups
from .ids import to18
from .oauth import allows
from .store import utcnow

ENV = "http://schemas.xmlsoap.org/soap/envelope/"
PARTNER = "urn:partner.soap.sforce.com"
_NS = (
    f'xmlns:soapenv="{ENV}" xmlns="{PARTNER}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    ' xmlns:sf="urn:sobject.partner.soap.sforce.com"'
)


class SoapFault(Exception):
    def __init__(self, code: str, message: str, client: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.client = client

    def xml(self) -> str:
        if self.client:
            return (
                f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{ENV}">'
                f"<soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode>"
                f"<faultstring>{escape(self.message)}</faultstring></soapenv:Fault>"
                "</soapenv:Body></soapenv:Envelope>"
            )
        return (
            f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{ENV}" '
            'xmlns:sf="urn:fault.partner.soap.sforce.com" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
            f"<soapenv:Fault><faultcode>sf:{self.code}</faultcode>"
            f"<faultstring>{self.code}: {escape(self.message)}</faultstring><detail>"
            '<sf:UnexpectedErrorFault xsi:type="sf:UnexpectedErrorFault">'
            f"<sf:exceptionCode>{self.code}</sf:exceptionCode>"
            f"<sf:exceptionMessage>{escape(self.message)}</sf:exceptionMessage>"
            "</sf:UnexpectedErrorFault></detail></soapenv:Fault></soapenv:Body>"
            "</soapenv:Envelope>"
        )


def parse_envelope(body: bytes) -> tuple[str | None, ET.Element]:
    """Return (sessionId, operation element)."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise SoapFault("", f"Unable to parse request: {exc}", client=True) from None
    if root.tag != f"{{{ENV}}}Envelope":
        raise SoapFault("", "Expected SOAP 1.1 Envelope", client=True)
    session = root.find(f"{{{ENV}}}Header/{{{PARTNER}}}SessionHeader/{{{PARTNER}}}sessionId")
    body_el = root.find(f"{{{ENV}}}Body")
    if body_el is None or len(body_el) == 0:
        raise SoapFault("", "Missing SOAP Body", client=True)
    return (session.text.strip() if session is not None and session.text else None), body_el[0]


def _text(el: ET.Element, name: str) -> str | None:
    child = el.find(f"{{{PARTNER}}}{name}")
    if child is None or child.get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true":
        return None
    return (child.text or "").strip() or None


def _bool(el: ET.Element, name: str) -> bool:
    return (_text(el, name) or "false").lower() == "true"


def _end_of_quarter(today: dt.date) -> dt.date:
    q_end_month = ((today.month - 1) // 3 + 1) * 3
    nxt = dt.date(today.year + (q_end_month == 12), q_end_month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


class ConvertError(Exception):
    def __init__(self, code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.fields = code, message, fields or []


def convert_one(emu, lc: ET.Element) -> dict:
    store = emu.store
    lead_id = _text(lc, "leadId")
    if lead_id is None:
        raise ConvertError(
            "REQUIRED_FIELD_MISSING", "Required field is missing: leadId", ["leadId"]
        )
    lead = store.raw(lead_id)
    if lead is None or lead["_type"] != "Lead" or lead["IsDeleted"]:
        raise ConvertError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
    if lead["IsConverted"]:
        contact = store.raw(lead.get("ConvertedContactId"))
        when = lead.get("ConvertedDate") or utcnow().date()
        raise ConvertError(
            "CANNOT_UPDATE_CONVERTED_LEAD",
            f"This lead was already converted to the contact "
            f"{store.display_name(contact)} on {when.month}/{when.day}/{when.year}.",
        )
    status_text = _text(lc, "convertedStatus")
    if status_text is None:
        raise ConvertError(
            "REQUIRED_FIELD_MISSING",
            "Required field is missing: convertedStatus",
            ["convertedStatus"],
        )
    status = next(
        (s for s in store.live("LeadStatus") if s["ApiName"] == status_text),
        None,
    )
    if status is None or not status["IsConverted"]:
        raise ConvertError("INVALID_STATUS", f"invalid convertedStatus: {status_text}")
    account_id, contact_id = _text(lc, "accountId"), _text(lc, "contactId")
    account = contact = None
    if account_id is not None:
        account = store.raw(account_id)
        if account is None or account["_type"] != "Account" or account["IsDeleted"]:
            raise ConvertError(
                "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["accountId"]
            )
    if contact_id is not None:
        contact = store.raw(contact_id)
        if (
            account is None
            or contact is None
            or contact["_type"] != "Contact"
            or contact["IsDeleted"]
            or contact.get("AccountId") != account["Id"]
        ):
            raise ConvertError(
                "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["contactId"]
            )
    owner = _text(lc, "ownerId")
    if owner is not None:
        owner_rec = store.raw(owner)
        if owner_rec is None or owner_rec["_type"] != "User":
            raise ConvertError(
                "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["ownerId"]
            )
        owner = owner_rec["Id"]
    no_opp = _bool(lc, "doNotCreateOpportunity")
    opp_name = _text(lc, "opportunityName")
    if no_opp and opp_name:
        raise ConvertError(
            "FIELD_INTEGRITY_EXCEPTION",
            "opportunityName must be blank when doNotCreateOpportunity is true",
            ["opportunityName"],
        )
    owner_fields = {"OwnerId": owner or lead["OwnerId"]}
    catalog = store.catalog
    if account is None:
        account_id = store.create(
            catalog["account"],
            {
                "Name": lead["Company"],
                "Industry": lead.get("Industry"),
                "Phone": lead.get("Phone"),
                **owner_fields,
            },
            strict=False,
        )
    else:
        account_id = account["Id"]
    if contact is None:
        contact_id = store.create(
            catalog["contact"],
            {
                "FirstName": lead.get("FirstName"),
                "LastName": lead["LastName"],
                "Email": lead.get("Email"),
                "Phone": lead.get("Phone"),
                "Title": lead.get("Title"),
                "LeadSource": lead.get("LeadSource"),
                "Description": lead.get("Description"),
                "AccountId": account_id,
                **owner_fields,
            },
            strict=False,
        )
    else:
        contact_id = contact["Id"]
        if _bool(lc, "overwriteLeadSource"):
            contact["LeadSource"] = lead.get("LeadSource")
    opp_id = None
    if not no_opp:
        first_open = min(
            (s for s in store.live("OpportunityStage") if s["IsActive"] and not s["IsClosed"]),
            key=lambda s: s["SortOrder"],
        )
        opp_id = store.create(
            catalog["opportunity"],
            {
                "Name": opp_name or lead["Company"],
                "AccountId": account_id,
                "StageName": first_open["ApiName"],
                "CloseDate": _end_of_quarter(utcnow().date()),
                "LeadSource": lead.get("LeadSource"),
                **owner_fields,
            },
            strict=False,
        )
    store.update(
        catalog["lead"],
        lead,
        {
            "IsConverted": True,
            "ConvertedDate": utcnow().date(),
            "Status": status["ApiName"],
            "ConvertedAccountId": account_id,
            "ConvertedContactId": contact_id,
            "ConvertedOpportunityId": opp_id,
        },
        strict=False,
    )
    return {
        "accountId": account_id,
        "contactId": contact_id,
        "leadId": lead["Id"],
        "opportunityId": opp_id,
    }


def _result_xml(result: dict | None, lead_id: str | None, error: ConvertError | None) -> str:
    def field(name: str, value: str | None) -> str:
        if value is None:
            return f'<{name} xsi:nil="true"/>'
        return f"<{name}>{escape(value)}</{name}>"

    if error is not None:
        fields = "".join(f"<fields>{escape(f)}</fields>" for f in error.fields)
        errors = (
            f"<errors>{fields}<message>{escape(error.message)}</message>"
            f"<statusCode>{error.code}</statusCode></errors>"
        )
        return (
            f"<result>{field('accountId', None)}{field('contactId', None)}{errors}"
            f"{field('leadId', lead_id)}{field('opportunityId', None)}"
            "<success>false</success></result>"
        )
    assert result is not None
    return (
        f"<result>{field('accountId', result['accountId'])}"
        f"{field('contactId', result['contactId'])}{field('leadId', result['leadId'])}"
        f"{field('opportunityId', result['opportunityId'])}<success>true</success></result>"
    )


def _convert(emu, op: ET.Element) -> str:
    results = []
    for lc in op.findall(f"{{{PARTNER}}}leadConverts"):
        raw_id = _text(lc, "leadId")
        try:
            results.append(_result_xml(convert_one(emu, lc), None, None))
        except ConvertError as err:
            results.append(_result_xml(None, to18(raw_id) if raw_id else None, err))
    return f"<convertLeadResponse>{''.join(results)}</convertLeadResponse>"


def _include_details(body: bytes) -> bool:
    """DuplicateRuleHeader's includeRecordDetails (false unless sent)."""
    root = ET.fromstring(body)
    flag = root.find(
        f"{{{ENV}}}Header/{{{PARTNER}}}DuplicateRuleHeader/{{{PARTNER}}}includeRecordDetails"
    )
    return flag is not None and (flag.text or "").strip().lower() == "true"


OPERATIONS = {
    "convertLead": lambda emu, op, body: _convert(emu, op),
    "findDuplicates": lambda emu, op, body: soap_dups.find_duplicates(
        emu, op, _include_details(body)
    ),
    "merge": lambda emu, op, body: soap_dups.merge(emu, op),
}


def handle(emu, body: bytes) -> tuple[int, str]:
    """Dispatch one SOAP call; the caller has checked nothing yet."""
    try:
        session, op = parse_envelope(body)
        info = emu.oauth.lookup(session)
        if info is None:
            raise SoapFault(
                "INVALID_SESSION_ID", "Invalid Session ID found in SessionHeader: Illegal Session"
            )
        if not allows(info.scopes, "api"):  # oauth.py: REST and SOAP need api (or full)
            raise SoapFault("INVALID_SESSION_ID", "This session is not valid for use with the API")
        name = op.tag.rsplit("}", 1)[-1]
        if op.tag != f"{{{PARTNER}}}{name}" or name not in OPERATIONS:
            raise SoapFault("", f"No operation available for request {op.tag}", client=True)
        if not emu.count_api_call():
            raise SoapFault("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        response = OPERATIONS[name](emu, op, body)
    except soap_dups.Fault as fault:
        return 500, SoapFault(fault.code, fault.message).xml()
    except SoapFault as fault:
        return 500, fault.xml()
    used, limit = emu.api_usage
    return 200, (
        f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope {_NS}><soapenv:Header>'
        f"<LimitInfoHeader><limitInfo><current>{used}</current><limit>{limit}</limit>"
        "<type>API REQUESTS</type></limitInfo></LimitInfoHeader></soapenv:Header>"
        f"<soapenv:Body>{response}</soapenv:Body></soapenv:Envelope>"
    )
