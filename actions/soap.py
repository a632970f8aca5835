"""SOAP partner API calls (there is no REST endpoint for them): the envelope, the POST and
the faults every call shares, and ``convertLead()``. findDuplicates() and merge() build on these
in actions/soap_dups.py.

Format: "convertLead()" and "LeadConvertResult" in the SOAP API Developer Guide; the OAuth
access token is sent as the ``sessionId`` of the ``SessionHeader`` ("SessionHeader", same guide).
Faults: "SOAP API fault codes" (e.g. ``sf:INVALID_SESSION_ID``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import requests

from actions.connection import ExpiredSession, may_have_arrived
from actions.errors import OutcomeUnknown, SalesforceRefused, SalesforceUnavailable
from actions.sf_errors import refusal_from_errors

SOAPENV = "http://schemas.xmlsoap.org/soap/envelope/"
PARTNER = "urn:partner.soap.sforce.com"
SOBJECT = "urn:sobject.partner.soap.sforce.com"


@dataclass(frozen=True)
class LeadConvertResult:
    account_id: str
    contact_id: str
    opportunity_id: str | None


def envelope(session_id: str, body: str, headers: str = "") -> bytes:
    """A partner API request: ``body`` is the operation element, ``headers`` more headers."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}" xmlns:urn="{PARTNER}" '
        f'xmlns:urn1="{SOBJECT}">'
        "<soapenv:Header><urn:SessionHeader>"
        f"<urn:sessionId>{escape(session_id)}</urn:sessionId>"
        f"</urn:SessionHeader>{headers}</soapenv:Header>"
        f"<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    ).encode()


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
    return envelope(
        session_id,
        "<urn:convertLead><urn:leadConverts>"
        + "".join(parts)
        + "</urn:leadConverts></urn:convertLead>",
    )


def text_of(node: ET.Element | None, tag: str) -> str | None:
    if node is None:
        return None
    child = node.find(f"{{{PARTNER}}}{tag}")
    if child is None or child.get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true":
        return None
    return (child.text or "").strip() or None


def first_result(status: int, content: bytes, call: str, *, write: bool) -> ET.Element:
    """The first ``result`` of a SOAP answer; a fault raises the matching typed error.

    A server fault without a code after a write was sent leaves the outcome unknown."""
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
            if write:
                raise OutcomeUnknown(f"Salesforce failed during {call}: {message}")
            raise SalesforceUnavailable(f"Salesforce failed during {call}: {message}")
        raise SalesforceRefused(message, code=code or "SOAP_FAULT")
    result = root.find(f".//{{{PARTNER}}}result")
    if result is None:
        raise SalesforceUnavailable(f"Salesforce's {call} answer had no result")
    return result


def result_errors(result: ET.Element) -> list[dict[str, Any]]:
    """A result's ``errors`` as REST-style error dicts (statusCode, message, fields)."""
    return [
        {
            "statusCode": text_of(err, "statusCode"),
            "message": text_of(err, "message"),
            "fields": [f.text for f in err.findall(f"{{{PARTNER}}}fields") if f.text],
        }
        for err in result.findall(f"{{{PARTNER}}}errors")
    ]


def parse_convert_response(status: int, content: bytes) -> LeadConvertResult:
    result = first_result(status, content, "lead conversion", write=True)
    if (text_of(result, "success") or "").lower() != "true":
        raise refusal_from_errors(400, result_errors(result), write=True)
    account_id, contact_id = text_of(result, "accountId"), text_of(result, "contactId")
    if not account_id or not contact_id:
        raise SalesforceUnavailable("Salesforce's convertLead answer had no account or contact")
    return LeadConvertResult(account_id, contact_id, text_of(result, "opportunityId"))


def soap_call(
    http: requests.Session,
    instance_url: str,
    api_version: str,
    body: bytes,
    *,
    unknown_outcome: str | None,
) -> tuple[int, bytes]:
    """POST an envelope. A write (``unknown_outcome`` says what may have happened) that may have
    arrived is reported as OutcomeUnknown, never retried; a read is SalesforceUnavailable."""
    try:
        resp = http.post(
            f"{instance_url}/services/Soap/u/{api_version}",
            data=body,
            headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'},
        )
    except requests.RequestException as exc:
        if unknown_outcome and may_have_arrived(exc):
            raise OutcomeUnknown(unknown_outcome) from exc
        if isinstance(exc, requests.Timeout):
            raise SalesforceUnavailable("Salesforce did not answer in time") from exc
        raise SalesforceUnavailable(f"could not reach Salesforce ({type(exc).__name__})") from exc
    return resp.status_code, resp.content


def convert_lead_call(
    http: requests.Session,
    instance_url: str,
    api_version: str,
    body: bytes,
) -> tuple[int, bytes]:
    """POST the envelope; a timeout is reported, never retried (the lead may be converted)."""
    return soap_call(
        http,
        instance_url,
        api_version,
        body,
        unknown_outcome="Salesforce did not answer the conversion; the lead may have been "
        "converted. Look it up before trying again.",
    )
