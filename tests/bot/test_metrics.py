"""The metrics registry under many threads, and the ack histogram's bounded ``kind``."""

from __future__ import annotations

import threading

from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from actions.metrics import SALESFORCE_CALLS, action_label, count_salesforce_call
from actions.pools import TrackedPool
from bot.observability import request_kind


def calls(action: str, outcome: str) -> float:
    return SALESFORCE_CALLS.labels(action, outcome)._value.get()


def test_counts_from_many_threads_while_scraping_are_exact():
    before = calls("thread_test", "ok")
    stop = threading.Event()
    scrapes: list[int] = []

    def scraper() -> None:
        while not stop.is_set():
            text = generate_latest(REGISTRY).decode()
            scrapes.append(len(list(text_string_to_metric_families(text))))

    def worker() -> None:
        with action_label("thread_test"):
            for _ in range(2000):
                count_salesforce_call("ok")

    s = threading.Thread(target=scraper)
    s.start()
    workers = [threading.Thread(target=worker) for _ in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    stop.set()
    s.join()
    assert calls("thread_test", "ok") - before == 16000
    assert scrapes and all(n > 0 for n in scrapes)


def test_the_action_label_follows_work_into_a_pool_and_defaults_to_other():
    pool = TrackedPool("metrics-test", 2)
    try:
        before = calls("pooled", "ok"), calls("other", "ok")
        with action_label("pooled"):
            pool.submit(count_salesforce_call, "ok").result(timeout=30)
        count_salesforce_call("ok")
        assert calls("pooled", "ok") - before[0] == 1
        assert calls("other", "ok") - before[1] == 1
        assert pool.idle()
    finally:
        pool.shutdown()


def test_request_kind_is_one_of_slacks_or_other():
    assert request_kind({"command": "/sf"}) == "slash_command"
    assert request_kind({"type": "view_submission"}) == "view_submission"
    assert request_kind({"type": "event_callback"}) == "event_callback"
    assert request_kind({"type": "made_up_kind"}) == "other"
    assert request_kind({"type": ["list"]}) == "other"
    assert request_kind("text") == "other"
