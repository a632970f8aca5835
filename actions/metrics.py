"""sfbot's Prometheus metrics (prometheus_client), in the process's one registry
(``prometheus_client.REGISTRY``, which also holds the process collector: RSS, CPU, open fds).

Served at ``GET /metrics`` by bot.server in the text format. Each replica exposes its own:
scrape every replica directly, not through the load balancer.

Defined here, below bot/, because the Salesforce side (calls, token refreshes, API usage,
flow runs) counts too. Every metric is thread-safe (prometheus_client locks per value).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Iterator

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from actions.pools import POOLS

disable_created_metrics()  # no *_created series: the start time is process_start_time_seconds

# Slack wants the ack within 3 s: buckets fine below it, coarse above.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0)

ACK_SECONDS = Histogram(
    "sfbot_ack_seconds",
    "Time from a Slack request reaching sfbot's listeners to its acknowledgement, by kind",
    ["kind"],
    buckets=ACK_BUCKETS,
)
SALESFORCE_CALLS = Counter(
    "sfbot_salesforce_calls_total",
    "Salesforce API calls by sfbot action and outcome (ok, or the error's code)",
    ["action", "outcome"],
)
TOKEN_REFRESHES = Counter(
    "sfbot_token_refreshes_total",
    "Access tokens this process got from Salesforce after one was refused, by outcome",
    ["outcome"],
)
API_USAGE = Gauge(
    "sfbot_salesforce_api_used",
    "The org's API requests used in the last 24 h, as Salesforce last reported (Sforce-Limit-Info)",
)
API_LIMIT = Gauge(
    "sfbot_salesforce_api_limit", "The org's daily API request limit, as Salesforce last reported"
)
SLACK_RATE_LIMITED = Counter(
    "sfbot_slack_rate_limit_retries_total",
    "Slack Web API calls answered 429 and retried after Retry-After",
)
DIGEST_RUNS = Counter("sfbot_digest_runs_total", "Digest runs ended, by status", ["status"])
FLOW_RUNS = Counter("sfbot_flow_runs_total", "Flow runs ended, by status", ["status"])

# The sfbot action a Salesforce call is made for (set around an action; "other" outside one).
CURRENT_ACTION: contextvars.ContextVar[str] = contextvars.ContextVar(
    "sfbot_action", default="other"
)


@contextlib.contextmanager
def action_label(name: str) -> Iterator[None]:
    token = CURRENT_ACTION.set(name)
    try:
        yield
    finally:
        CURRENT_ACTION.reset(token)


def count_salesforce_call(outcome: str) -> None:
    SALESFORCE_CALLS.labels(CURRENT_ACTION.get(), outcome).inc()


class PoolCollector(Collector):
    """Queued and running tasks of every background pool, read at scrape time."""

    def collect(self) -> Iterable[GaugeMetricFamily]:
        queued = GaugeMetricFamily(
            "sfbot_pool_queued", "Tasks waiting in a background pool", labels=["pool"]
        )
        running = GaugeMetricFamily(
            "sfbot_pool_running", "Tasks running in a background pool", labels=["pool"]
        )
        for name, pool in sorted(POOLS.items()):
            queued.add_metric([name], pool.queued)
            running.add_metric([name], pool.running)
        yield queued
        yield running


REGISTRY.register(PoolCollector())
