"""`GET /metrics` of a running `sfbot run --http`, in Prometheus's text format (issue 13)."""

from __future__ import annotations

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.harness import AGENT
from tests.e2e.test_commands import command
from tests.e2e.test_create_update import (
    NAME,
    card_for,
    create_values,
    ids_of,
    new_id,
    open_create,
    unique,
)


def scrape(sfbot) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = requests.get(f"{sfbot.url}/metrics", timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_acks_salesforce_calls_refreshes_usage_and_slack_retries(
    sfbot, driver, slack, sf
):
    before = scrape(sfbot)
    sf.insert("Lead", {"LastName": "Metrics", "Company": "Gauges", "Email": "m.e2e@example.com"})
    command(driver, slack, "lookup m.e2e@example.com")
    sf.expire_all_tokens()  # the next call is refused once, then made with a new token
    command(driver, slack, "lookup m.e2e@example.com")
    view = open_create(driver, slack, "create account")
    n, accounts = len(slack.calls), ids_of(sf, "Account")
    slack.fail_next("chat.postEphemeral")  # a 429 with Retry-After: 1 for the card
    r = driver.view_submission(
        view, create_values("account", **{NAME: unique("Metrics Ltd ")}), user_id=AGENT
    )
    assert r.ack_in_time
    card_for(slack, new_id(sf, "Account", accounts), n)
    after = scrape(sfbot)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("sfbot_ack_seconds_count", kind="slash_command") >= 3
    assert grew("sfbot_ack_seconds_count", kind="view_submission") == 1
    assert grew("sfbot_ack_seconds_bucket", kind="view_submission", le="+Inf") == 1
    assert grew("sfbot_salesforce_calls_total", action="lookup_record", outcome="ok") >= 2
    assert grew("sfbot_salesforce_calls_total", action="create_record", outcome="ok") == 1
    assert grew("sfbot_token_refreshes_total", outcome="ok") == 1
    assert grew("sfbot_slack_rate_limit_retries_total") == 1
    assert value(after, "sfbot_salesforce_api_limit") > 0
    assert (
        0 < value(after, "sfbot_salesforce_api_used") <= value(after, "sfbot_salesforce_api_limit")
    )
    for pool in ("listener", "submit", "work", "search", "flow"):
        assert ("sfbot_pool_queued", (("pool", pool),)) in after
        assert ("sfbot_pool_running", (("pool", pool),)) in after
    assert ("sfbot_digest_runs_total", ()) not in after  # no run yet: no series, no error
    assert value(after, "process_resident_memory_bytes") > 0
