"""The recompute after data changes in the embedded mode (no broker: Celery tasks run eagerly).

The runner of the goal recompute is ``targets.services.recompute_runner``. With a broker,
``targets.services.enqueue_coalesced`` queues one delayed task for a burst of writes.
Without one, running that task eagerly would compute the snapshots inside every write's request
(1.7-2 s each). Instead the write marks the snapshots *dirty*; once its response is sent
(``request_finished``; at once outside a request, e.g. a management command) one background
thread per process recomputes, one run at a time, until nothing is dirty. Any number of writes
while a run computes leave at most one more run pending.

``TARGETS_RECOMPUTE_BACKGROUND`` (on; off in the test settings) switches the thread off; then
``flush()`` runs what is pending in the calling thread (tests call it to stay deterministic).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connections

logger = logging.getLogger(__name__)


class CoalescingRunner:
    """Runs ``target`` after requests ask for it: one run at a time, requests coalesced."""

    def __init__(self, target: Callable[[], object], name: str):
        self.target = target
        self.name = name
        self._lock = threading.Lock()
        self._dirty = False
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()
        self._local = threading.local()  # per request thread: inside a request, kick when it ends

    @property
    def background(self) -> bool:
        return bool(getattr(settings, "TARGETS_RECOMPUTE_BACKGROUND", True))

    @property
    def pending(self) -> bool:
        return self._dirty

    def request(self) -> bool:
        """Ask for a run. Returns True if none was pending yet."""
        with self._lock:
            first = not self._dirty
            self._dirty = True
            self._idle.clear()
        if getattr(self._local, "in_request", False):
            self._local.kick = True  # after the response (``request_finished``)
        else:
            self.kick()
        return first

    def kick(self) -> None:
        """Start the background thread unless it is running (it picks up what is dirty)."""
        if not self.background:
            return
        with self._lock:
            if not self._dirty or (self._thread is not None and self._thread.is_alive()):
                return
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()

    def _take(self) -> bool:
        with self._lock:
            if not self._dirty:
                self._thread = None if threading.current_thread() is self._thread else self._thread
                self._idle.set()
                return False
            self._dirty = False
            return True

    def _run_once(self) -> None:
        try:
            self.target()
        except Exception:  # noqa: BLE001 - the run row records failures; the runner keeps going
            logger.exception("%s: the run failed", self.name)

    def _loop(self) -> None:
        try:
            while self._take():
                self._run_once()
        finally:
            connections.close_all()  # this thread's own database connections

    def flush(self, timeout: float | None = 60) -> bool:
        """Run or wait for what is pending; True when nothing is pending any more."""
        if not self.background:
            while self._take():
                self._run_once()
            return True
        self.kick()
        return self._idle.wait(timeout)

    # request signals (connected in ``TargetsConfig.ready``)
    def request_started(self, **kwargs) -> None:
        self._local.in_request = True
        self._local.kick = False

    def request_finished(self, **kwargs) -> None:
        kick = getattr(self._local, "kick", False)
        self._local.in_request = self._local.kick = False
        if kick:
            self.kick()


def connect(runner: CoalescingRunner) -> None:
    """Let ``runner`` wait for the end of the request that asked for a run (``TargetsConfig.ready``)."""
    request_started.connect(runner.request_started, dispatch_uid="targets-embedded-request-started")
    request_finished.connect(runner.request_finished, dispatch_uid="targets-embedded-request-finished")
