"""The SOAP partner API call ``convertLead()`` (there is no REST endpoint for it).

Format: "convertLead()" and "LeadConvertResult" in the SOAP API Developer Guide; the OAuth
access token is sent as the ``sessionId`` of the ``SessionHeader`` ("SessionHeader", same guide).
Faults: "SOAP API fault codes" (e.g. ``sf:INVALID_SESSION_ID``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from xml.sax.saxutils import escape

import requests

from actions.connection import ExpiredSession, may_have_arrived
from actions.errors import OutcomeUnknown, SalesforceRefused, SalesforceUnavailable
from actions.sf_errors import refusal_from_errors

SOAPENV = "http://schemas.xmlsoap.org/soap/envelope/"
PARTNER = "urn:partner.soap.sforce.com"


@dataclass(frozen=True)
class LeadConvertResult:
    account_id: str
    contact_id: str
    opportunity_id: str | None


def convert_lead_envelope(
    session_id: str,
    lead_id: str,
    converted_status: str,
    account_id: str | None,
    opportunity_name: str | None,
) -> bytes:
    parts = []
    if account_id:
        parts.append(f"<urn:accountId>{escape(account_id)}</urn:accountId>")
    parts.append(f"<urn:convertedStatus>{escape(converted_status)}</urn:convertedStatus>")
    parts.append("<urn:doNotCreateOpportunity>false</urn:doNotCreateOpportunity>")
    parts.append(f"<urn:leadId>{escape(lead_id)}</urn:leadId>")
    if opportunity_name:
        parts.append(f"<urn:opportunityName>{escape(opportunity_name)}</urn:opportunityName>")
    parts.append("<urn:overwriteLeadSource>false</urn:overwriteLeadSource>")
    parts.append("<urn:sendNotificationEmail>false</urn:sendNotificationEmail>")
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}" xmlns:urn="{PARTNER}">'
        "<soapenv:Header><urn:SessionHeader>"
        f"<urn:sessionId>{escape(session_id)}</urn:sessionId>"
        "</urn:SessionHeader></soapenv:Header>"
        "<soapenv:Body><urn:convertLead><urn:leadConverts>"
        + "".join(parts)
        + "</urn:leadConverts></urn:convertLead></soapenv:Body></soapenv:Envelope>"
    )
    return body.encode("utf-8")


def _text(node: ET.Element | None, tag: str) -> str | None:
    if node is None:
        return None
    child = node.find(f"{{{PARTNER}}}{tag}")
    if child is None or child.get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true":
        return None
    return (child.text or "").strip() or None


def parse_convert_response(status: int, content: bytes) -> LeadConvertResult:
    try:
        root = ET.fromstring(content)  # noqa: S314 - Salesforce's own response over verified TLS
    except ET.ParseError as exc:
        raise SalesforceUnavailable(f"Salesforce answered HTTP {status} without SOAP") from exc
    fault = root.find(f".//{{{SOAPENV}}}Fault")
    if fault is not None:
        code = (fault.findtext("faultcode") or "").split(":")[-1]
        message = fault.findtext("faultstring") or code
        if code == "INVALID_SESSION_ID":
            raise ExpiredSession(message)
        if status >= 500 and not code:
            raise OutcomeUnknown(f"Salesforce failed during lead conversion: {message}")
        raise SalesforceRefused(message, code=code or "SOAP_FAULT")
    result = root.find(f".//{{{PARTNER}}}result")
    if result is None:
        raise SalesforceUnavailable("Salesforce's convertLead answer had no result")
    if (_text(result, "success") or "").lower() != "true":
        errors = [
            {
                "statusCode": _text(err, "statusCode"),
                "message": _text(err, "message"),
                "fields": [f.text for f in err.findall(f"{{{PARTNER}}}fields") if f.text],
            }
            for err in result.findall(f"{{{PARTNER}}}errors")
        ]
        raise refusal_from_errors(400, errors, write=True)
    account_id, contact_id = _text(result, "accountId"), _text(result, "contactId")
    if not account_id or not contact_id:
        raise SalesforceUnavailable("Salesforce's convertLead answer had no account or contact")
    return LeadConvertResult(account_id, contact_id, _text(result, "opportunityId"))


def convert_lead_call(
    http: requests.Session,
    instance_url: str,
    api_version: str,
    envelope: bytes,
) -> tuple[int, bytes]:
    """POST the envelope; a timeout is reported, never retried (the lead may be converted)."""
    try:
        resp = http.post(
            f"{instance_url}/services/Soap/u/{api_version}",
            data=envelope,
            headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'},
        )
    except requests.RequestException as exc:
        if may_have_arrived(exc):
            raise OutcomeUnknown(
                "Salesforce did not answer the conversion; the lead may have been converted. "
                "Look it up before trying again."
            ) from exc
        raise SalesforceUnavailable(f"could not reach Salesforce ({type(exc).__name__})") from exc
    return resp.status_code, resp.content
