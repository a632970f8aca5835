"""A clean stop on SIGTERM (and SIGINT), within ``SFBOT_SHUTDOWN_SECONDS`` (25 by default).

1. ``/readyz`` answers 503 ``shutting_down`` and the listening socket (HTTP mode) or the Socket
   Mode connection is closed: no new request reaches this process (the load balancer sends new
   connections to the other replicas; Slack re-sends unacknowledged envelopes elsewhere).
2. In-flight work finishes: HTTP requests under way, then every background pool (listeners,
   modal submissions, work after an ack, flow steps) and the jobs the digest and flow
   schedulers are running (no new job fires once they are stopped).
3. Leases not in use are handed back (the salesforce_record poller's), tasks still queued are
   dropped and their claims handed back: flow runs whose first step never began
   (``FlowEngine.release_queued``) and digest runs not being posted
   (``DigestEngine.hand_back_claims``) get a heartbeat long past, so the next process's
   ``FlowEngine.recover`` and digest take-over run them at their next tick instead of once
   the lease has run out. Then the process exits 0.

Work cut off by the deadline is not repeated blindly: a flow run keeps its claim and its steps'
states, so the next process resumes it (no step started) or ends it as failed / outcome
unknown; a digest run keeps its claim and is taken over once its lease has run out.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from actions.flows.scheduler import FlowScheduler
from actions.pools import POOLS, wait_all_idle
from bot.digests.scheduler import DigestScheduler

logger = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Shutdown:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.requested = threading.Event()  # a signal arrived
        self.draining = threading.Event()  # /readyz says shutting_down
        self._stop_accepting: list[Callable[[], None]] = []
        self._active = 0
        self._requests = threading.Condition()
        self.digest_scheduler: DigestScheduler | None = None
        self.flow_scheduler: FlowScheduler | None = None

    # -- wiring ----------------------------------------------------------------------------

    def install_signals(self) -> None:
        """SIGTERM and SIGINT start the stop (handlers run on the main thread)."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        if self.requested.is_set():
            return
        logger.info("%s received: shutting down", signal.Signals(signum).name)
        self.requested.set()

    def on_stop_accepting(self, fn: Callable[[], None]) -> None:
        self._stop_accepting.append(fn)

    def track(self, app: WSGIApp) -> WSGIApp:
        """Count the HTTP requests under way (the stop waits for them)."""

        def tracked(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            with self._requests:
                self._active += 1
            try:
                return list(app(environ, start_response))
            finally:
                with self._requests:
                    self._active -= 1
                    self._requests.notify_all()

        return tracked

    # -- the stop --------------------------------------------------------------------------

    def wait_then_exit(self) -> None:
        """On the main thread: wait for a signal, stop cleanly, exit 0."""
        while not self.requested.wait(0.5):  # wake up now and then so signals are handled
            pass
        clean = self.stop()
        logger.info("sfbot stopped %s", "cleanly" if clean else "at the deadline")
        logging.shutdown()
        # Threads still running (a call cut off by the deadline) must not hold the exit up.
        os._exit(0)

    def stop(self) -> bool:
        """Drain and release; True when everything under way finished before the deadline."""
        deadline = time.monotonic() + self.seconds
        self.draining.set()
        for stop in self._stop_accepting:
            try:
                stop()
            except Exception:
                logger.exception("could not stop accepting requests")
        with self._requests:
            requests_done = self._requests.wait_for(
                lambda: self._active == 0, max(0.0, deadline - time.monotonic())
            )
        schedulers = self._stop_schedulers()
        pools_done = wait_all_idle(deadline)
        schedulers_done = True
        for thread in schedulers:
            thread.join(max(0.0, deadline - time.monotonic()))
            schedulers_done = schedulers_done and not thread.is_alive()
        poller = self.flow_scheduler.poller if self.flow_scheduler else None
        if poller is not None and schedulers_done:
            poller.release()  # the next process polls at once
        for pool in list(POOLS.values()):
            pool.shutdown(wait=False, cancel_futures=True)
        self._hand_back_claims()
        clean = requests_done and pools_done and schedulers_done
        if not clean:
            busy = {name: (p.queued, p.running) for name, p in POOLS.items() if not p.idle()}
            logger.warning(
                "shutdown deadline (%ss) reached: requests under way %d, pools busy %s, "
                "schedulers done %s; cut-off flow runs and digests are finished or marked by "
                "the next process",
                self.seconds,
                self._active,
                busy,
                schedulers_done,
            )
        return clean

    def _hand_back_claims(self) -> None:
        """Flow runs still queued and digest runs not being posted go back to the database for
        the next process (no step or post of theirs began, so running them there is safe)."""
        releases: list[Callable[[], object]] = []
        if self.flow_scheduler is not None:
            releases.append(self.flow_scheduler.engine.release_queued)
        if self.digest_scheduler is not None:
            releases.append(self.digest_scheduler.engine.hand_back_claims)
        for release in releases:
            try:
                release()
            except Exception:  # the leases run out instead
                logger.exception("could not hand back claims")

    def _stop_schedulers(self) -> list[threading.Thread]:
        """Stop the schedulers firing and wait for their running jobs, each on a thread (so the
        deadline bounds the wait)."""
        stops: list[Callable[[], None]] = []
        if self.digest_scheduler is not None:
            stops.append(self.digest_scheduler.scheduler.shutdown)
        if self.flow_scheduler is not None:
            stops.append(self.flow_scheduler.scheduler.shutdown)
        threads = []
        for stop in stops:
            thread = threading.Thread(target=_quietly(stop), name="sfbot-stop", daemon=True)
            thread.start()
            threads.append(thread)
        return threads


def _quietly(fn: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        try:
            fn()  # APScheduler's shutdown(wait=True): no new fires, running jobs finish
        except Exception:  # not running (never started): nothing to wait for
            logger.debug("scheduler stop", exc_info=True)

    return run
