"""The org's record hosts, the record URL forms, and the one-lookup-a-minute cache."""

from __future__ import annotations

import threading

import pytest

from actions.lookup_record import RecordSummary
from bot.blocks.unfurl import record_unfurl
from bot.unfurls.links import org_hosts, record_link
from bot.unfurls.records import RecordCache

LEAD15 = "00Q5e00000ABCDE"


@pytest.mark.parametrize(
    ("instance", "hosts"),
    [
        ("https://acme.my.salesforce.com", ["acme.my.salesforce.com", "acme.lightning.force.com"]),
        (
            "https://acme--dev.sandbox.my.salesforce.com",
            ["acme--dev.sandbox.my.salesforce.com", "acme--dev.sandbox.lightning.force.com"],
        ),
        ("https://na42.salesforce.com", ["na42.salesforce.com"]),
        ("https://127.0.0.1:8443", ["127.0.0.1"]),
    ],
)
def test_org_hosts(instance, hosts):
    assert org_hosts(instance) == hosts


@pytest.mark.parametrize(
    "url",
    [
        f"https://acme.lightning.force.com/lightning/r/Lead/{LEAD15}/view",
        f"https://acme.my.salesforce.com/lightning/r/Lead/{LEAD15}EA5/view",
        f"https://acme.my.salesforce.com/{LEAD15}",
        f"https://acme.my.salesforce.com/{LEAD15}EA5",
    ],
)
def test_record_urls(url):
    link = record_link(url, org_hosts("https://acme.my.salesforce.com"))
    assert link is not None and link.url == url
    assert (link.spec.key, link.record_id) == ("lead", LEAD15 + "EA5")


@pytest.mark.parametrize(
    "url",
    [
        f"https://other.my.salesforce.com/{LEAD15}",  # another org
        f"https://acme.lightning.force.com/lightning/r/Account/{LEAD15}/view",  # wrong object
        "https://acme.my.salesforce.com/005000000000001",  # a user: not a record sfbot shows
        "https://acme.my.salesforce.com/lightning/o/Lead/list",
        "https://acme.my.salesforce.com/001",
        f"ftp://acme.my.salesforce.com/{LEAD15}",
    ],
)
def test_not_record_urls(url):
    assert record_link(url, org_hosts("https://acme.my.salesforce.com")) is None


def summary() -> RecordSummary:
    return RecordSummary(
        object="lead",
        id=LEAD15 + "EA5",
        name="Ada Lovelace",
        email="ada@example.com",
        phone="+1 555",
        company="Engines",
        url="https://acme.my.salesforce.com/lightning/r/Lead/x/view",
    )


def test_names_level_has_no_contact_details():
    shown = str(record_unfurl(summary(), "names"))
    assert "Ada Lovelace" in shown and "lead" in shown
    assert "ada@example.com" not in shown and "+1 555" not in shown and "Engines" not in shown
    card = str(record_unfurl(summary(), "cards"))
    assert "ada@example.com" in card and "sf_record_open" in card
    assert "sf_record_delete" not in card and "sf_record_update" not in card


def test_cache_asks_once_a_minute_even_when_asked_at_once():
    now = [0.0]
    cache = RecordCache(clock=lambda: now[0])
    calls: list[str] = []
    gate = threading.Event()

    def fetch(record_id: str) -> RecordSummary | None:
        calls.append(record_id)
        gate.wait(5)
        return summary()

    threads = [threading.Thread(target=cache.get, args=("R1", fetch)) for _ in range(5)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join()
    assert calls == ["R1"]
    now[0] = 59.0
    assert cache.get("R1", fetch) is not None and calls == ["R1"]
    now[0] = 61.0
    cache.get("R1", fetch)
    assert calls == ["R1", "R1"]


def test_cache_forgets_failures():
    cache = RecordCache()

    def broken(_id: str) -> RecordSummary | None:
        raise RuntimeError("down")

    with pytest.raises(RuntimeError):
        cache.get("R2", broken)
    assert cache.get("R2", lambda _id: None) is None
