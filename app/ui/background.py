"""KeyedLoader: the one primitive for loading things by key on worker threads.

One job per key (asking again while it runs does not queue a second), results kept in a small
LRU cache and delivered on the UI thread, queued work for keys no longer wanted cancelled, a
generation number so results computed before ``invalidate()`` are thrown away, ``wait_idle``
for tests and ``shutdown`` that joins the workers. The image loader, the pre-label loader and
the review's part loader are this plus what they do with a result.

Subclasses give three hooks: ``_job(key)`` (on the UI thread: a no-argument callable that runs
on a worker, so it captures what it reads now), ``_delivered(key, result)`` (on the UI thread,
after a result is cached; ``result`` is the exception when the job raised) and optionally
``_pinned()`` (keys the cache keeps while it can).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QObject, Qt, Signal, Slot


class KeyedLoader(QObject):
    _finished = Signal(int, object, object)  # worker -> UI thread: generation, key, result

    def __init__(self, size: int, workers: int, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self.size = size
        self._cache: OrderedDict[Hashable, object] = OrderedDict()
        self._futures: dict[Hashable, Future] = {}
        self._generation = 0
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)

    # hooks ------------------------------------------------------------------------------------
    def _job(self, key) -> Callable[[], object]:
        raise NotImplementedError

    def _delivered(self, key, result) -> None:
        """A result (or the exception the job raised) for ``key``, on the UI thread."""

    def _pinned(self) -> set:
        return set()

    def _emit_result(self, key, result, *loaded_args) -> None:
        """For ``_delivered``: the subclass's ``failed(key, message)`` for an exception, else
        its ``loaded(*loaded_args)``."""
        if isinstance(result, BaseException):
            self.failed.emit(key, str(result) or type(result).__name__)
        else:
            self.loaded.emit(*loaded_args)

    # cache ------------------------------------------------------------------------------------
    def cached(self, key) -> bool:
        return key in self._cache

    def hit(self, key, default=None):
        """The cached result of ``key`` (now the most recently used), or ``default``."""
        if key not in self._cache:
            return default
        self._cache.move_to_end(key)
        return self._cache[key]

    def forget(self, key=None) -> None:
        """Drop cached results (all when None); work in progress still delivers."""
        if key is None:
            self._cache.clear()
        else:
            self._cache.pop(key, None)

    # work -------------------------------------------------------------------------------------
    def submit(self, key) -> None:
        """Start ``key``'s job unless it is cached or already on its way."""
        if key is None or key in self._futures or key in self._cache:
            return
        generation, job = self._generation, self._job(key)
        fut = self._pool.submit(job)
        self._futures[key] = fut
        fut.add_done_callback(lambda f: self._deliver(generation, key, f))

    def cancel_queued(self, keep: Iterable) -> None:
        """Cancel queued jobs of keys not in ``keep`` (running ones finish)."""
        keep = set(keep)
        for key, fut in list(self._futures.items()):
            if key not in keep and fut.cancel():
                del self._futures[key]

    def invalidate(self) -> None:
        """What the jobs read changed: forget results, drop work in progress."""
        self._drop()

    def _drop(self) -> None:
        self._generation += 1
        self._cache.clear()
        for fut in self._futures.values():
            fut.cancel()  # a running one finishes; its result is dropped
        self._futures.clear()

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Block until running jobs end (tests and benchmarks)."""
        for fut in list(self._futures.values()):
            try:
                fut.exception(timeout)
            except Exception:  # cancelled
                pass

    def shutdown(self) -> None:
        """Cancel queued jobs and join the worker threads."""
        self._drop()
        self._pool.shutdown(wait=True, cancel_futures=True)

    # internals --------------------------------------------------------------------------------
    def _deliver(self, generation: int, key, fut: Future) -> None:  # worker thread
        if not fut.cancelled():
            exc = fut.exception()
            self._finished.emit(generation, key, exc if exc is not None else fut.result())

    @Slot(int, object, object)
    def _on_finished(self, generation: int, key, result) -> None:
        if generation != self._generation:  # computed before an invalidate: stale
            return
        self._futures.pop(key, None)
        if not isinstance(result, BaseException):
            self._cache[key] = result
            self._evict()
        self._delivered(key, result)

    def _evict(self) -> None:
        pinned = self._pinned()
        for key in list(self._cache):  # least recently used first, pinned kept while we can
            if len(self._cache) <= self.size:
                return
            if key not in pinned:
                del self._cache[key]
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)
