"""What reading one untrusted document may cost, and the worker processes that enforce it.

Policy documents come from payers' websites, e-mail and shared drives. A
parser of such files must end in bounded time and memory whatever the bytes
say, so every document is read under a `Budget`:

- checked as the document is read (bytes, pages, inflated stream bytes,
  characters per line, outline depth): the reader stops with an
  `ExtractionError` that names the limit and how to raise it;
- enforced from outside for everything else (time and memory): each document
  is read in a worker process that is killed when its time is up and whose
  address space is capped, so a stuck or swelling document is reported, not
  waited on, and the batch goes on.

Every limit has a flag and an environment variable (`FLAGS`); defaults are
far above anything the corpus of real policies needs (the largest real file
is 2 MB, the longest real line 112,000 characters, the deepest outline 9
levels, the slowest document under 2 s).
"""
from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

from .errors import ExtractionError, PolicyDiffError

MiB = 1 << 20


@dataclass(frozen=True)
class Budget:
    """The budget for reading one document. Each field has a flag and an environment variable (`FLAGS`)."""

    input_bytes: int = 256 * MiB
    """Bytes read from one input file (a device such as /dev/zero is never read past this)."""
    pages: int = 2000
    """Pages in one PDF (a page tree that lists pages past this is refused before any page is read)."""
    stream_bytes: int = 64 * MiB
    """Inflated bytes of any one compressed stream a PDF page draws from (its content or a form)."""
    document_bytes: int = 512 * MiB
    """Inflated bytes of all of one PDF's compressed streams, images left out."""
    line_chars: int = 1_000_000
    """Characters in one line of text."""
    depth: int = 64
    """Levels of nesting in one document's outline."""
    seconds: float = 120.0
    """Wall-clock time to read one document."""
    memory_bytes: int = 4096 * MiB
    """Memory one document's reader may add to its process."""

    def __post_init__(self) -> None:
        for flag in FLAGS:
            problem = out_of_range(flag.field, getattr(self, flag.field))
            if problem:
                raise PolicyDiffError(f"{flag.option} {getattr(self, flag.field)!r}: {problem}")


@dataclass(frozen=True)
class Flag:
    field: str
    option: str
    env: str
    unit: str
    help: str
    most: int
    """The largest value the flag takes: far past any real need, short of what the system cannot honour (a
    timeout of `inf`, a read of 10^23 bytes, which would be blamed on the document)."""


TiB = 1 << 40
FLAGS = (
    Flag("input_bytes", "--max-bytes", "POLICYDIFF_MAX_BYTES", "bytes", "Bytes read per input file.", TiB),
    Flag("pages", "--max-pages", "POLICYDIFF_MAX_PAGES", "pages", "Pages per PDF.", 10_000_000),
    Flag("stream_bytes", "--max-stream-bytes", "POLICYDIFF_MAX_STREAM_BYTES", "bytes",
         "Inflated bytes of any one PDF content stream.", TiB),
    Flag("document_bytes", "--max-inflated-bytes", "POLICYDIFF_MAX_INFLATED_BYTES", "bytes",
         "Inflated bytes of all of one PDF's streams (images left out).", TiB),
    Flag("line_chars", "--max-line-chars", "POLICYDIFF_MAX_LINE_CHARS", "characters", "Characters per line.",
         1_000_000_000),
    Flag("depth", "--max-depth", "POLICYDIFF_MAX_DEPTH", "levels", "Outline levels per document.", 10_000),
    Flag("seconds", "--timeout", "POLICYDIFF_TIMEOUT", "seconds", "Seconds to read one document.", 7 * 24 * 3600),
    Flag("memory_bytes", "--max-memory", "POLICYDIFF_MAX_MEMORY", "bytes",
         "Memory one document's reader may use.", TiB),
)
_BY_FIELD = {f.field: f for f in FLAGS}


def out_of_range(field: str, value: float) -> str | None:
    """Why `value` cannot be the limit `field`, or None: it must be a finite number above 0 and at most the
    flag's `most` (a NaN timeout would disable the limit and spin; an infinite one crash the wait)."""
    flag = _BY_FIELD[field]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "must be a finite number"
    if value <= 0:
        return "must be greater than 0"
    if value > flag.most:
        most = f"{flag.most // TiB} TiB" if flag.unit == "bytes" else f"{flag.most:,} {flag.unit}"
        return f"must be at most {most}"
    return None


DEFAULT = Budget()


def flag_for(field: str) -> str:
    """How a user raises one limit, for error messages: "--max-pages or POLICYDIFF_MAX_PAGES"."""
    flag = _BY_FIELD[field]
    return f"raise it with {flag.option} or {flag.env}"


_SIZE_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": MiB, "mb": MiB, "mib": MiB,
               "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}


def parse_size(value: str | int) -> int:
    """"64MB", "2 GiB", "1048576" → bytes (binary multiples, as memory is counted)."""
    if isinstance(value, int):
        return value
    text = str(value).strip().lower().replace(" ", "")
    number = text.rstrip("kmgib")
    unit = text[len(number):]
    try:
        amount = float(number) * _SIZE_UNITS[unit]
        if not math.isfinite(amount):
            raise ValueError(number)
        return int(amount)
    except (ValueError, KeyError, OverflowError):
        raise ExtractionError(f"{value!r}: not a size (e.g. 64MB, 2GiB or a number of bytes)") from None


def over(what: str, field: str, budget: Budget) -> str:
    """The message for a limit reached: what was found, the limit, and how to raise it."""
    return f"{what} (limit {shown(field, budget)}; {flag_for(field)})"


def shown(field: str, budget: Budget) -> str:
    value = getattr(budget, field)
    if field.endswith("bytes"):
        return f"{value / MiB:g} MiB" if value >= MiB else f"{value} bytes"
    return f"{value:g} {_BY_FIELD[field].unit}" if isinstance(value, float) else f"{value:,} {_BY_FIELD[field].unit}"


# -- bounded workers ----------------------------------------------------------

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What became of one job: its value, or why the worker gave up on it."""

    value: T | None = None
    error: str | None = None


def _die_with_parent() -> None:
    """Linux: the kernel kills this process when its parent dies, so a killed `add` leaves no workers."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _cap_memory(extra: int) -> None:
    """Cap this process's address space at what it uses now plus `extra` (where the OS supports it)."""
    try:
        import resource

        with open("/proc/self/statm") as handle:
            now = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        cap = now + extra
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (OSError, ValueError, ImportError, AttributeError):
        pass  # no /proc (macOS) or no RLIMIT_AS: time is still bounded


def _serve(conn: Connection, job: Callable[[Any, Budget], Any], budget: Budget,
           name: Callable[[Any], str]) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _cap_memory(budget.memory_bytes)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        index, item = task
        try:
            reply: tuple[int, Outcome[Any]] = (index, Outcome(job(item, budget)))
        except PolicyDiffError as exc:  # the input's fault, already said in a line that names it
            reply = (index, Outcome(error=str(exc)))
        except MemoryError:
            reply = (index, Outcome(error=f"{name(item)}: needs more memory than its budget of "
                                          f"{shown('memory_bytes', budget)} ({flag_for('memory_bytes')})"))
        except RecursionError:
            reply = (index, Outcome(error=f"{name(item)}: nests too deeply to read ({flag_for('depth')})"))
        except Exception as exc:  # a bug, reported against this document; the batch goes on
            reply = (index, Outcome(error=f"{name(item)}: could not be read ({type(exc).__name__}: {exc})"))
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


class _Worker:
    def __init__(self, context: Any, job: Callable[[Any, Budget], Any], budget: Budget,
                 name: Callable[[Any], str]):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, job, budget, name), daemon=True)
        self.process.start()
        child.close()
        self.name = name
        self.task: int | None = None
        self.label = ""
        """The item's name, for the messages the runner writes about it."""
        self.started = 0.0

    def give(self, index: int, item: Any) -> None:
        self.task, self.label, self.started = index, self.name(item), time.monotonic()
        self.conn.send((index, item))

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


def run_bounded(job: Callable[[Any, Budget], T], items: Sequence[Any], budget: Budget, workers: int = 1,
                on_done: Callable[[int, Outcome[T]], None] | None = None,
                name: Callable[[Any], str] = str) -> list[Outcome[T]]:
    """Run `job(item, budget)` for each item in at most `workers` processes, each item under the time and
    memory budget; results in input order.

    A worker that runs past `budget.seconds` is killed and replaced, and its item comes back as an
    error; so does an item whose worker dies (a crash in a PDF library, the memory cap). Workers die
    with this process, and never outnumber the items.
    """
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    results: list[Outcome[T] | None] = [None] * len(items)
    queue = deque(range(len(items)))
    pool = [_Worker(context, job, budget, name) for _ in range(max(1, min(workers, len(items))))]

    def finish(worker: _Worker, outcome: Outcome[T]) -> None:
        assert worker.task is not None
        results[worker.task] = outcome
        if on_done is not None:
            on_done(worker.task, outcome)
        worker.task = None

    try:
        while queue or any(w.task is not None for w in pool):
            for w in pool:
                if w.task is None and queue:
                    index = queue.popleft()
                    w.give(index, items[index])
            busy = [w for w in pool if w.task is not None]
            now = time.monotonic()
            timeout = max(0.0, min(w.started + budget.seconds - now for w in busy))
            ready = wait([w.conn for w in busy], timeout=timeout)
            for w in busy:
                if w.conn in ready:
                    try:
                        _, outcome = w.conn.recv()
                    except (EOFError, OSError):
                        finish(w, Outcome(error=f"{w.label}: {_died(w, budget)}"))
                        _replace(pool, w, context, job, budget, name, bool(queue))
                        continue
                    finish(w, outcome)
                elif time.monotonic() - w.started >= budget.seconds:
                    finish(w, Outcome(error=f"{w.label}: still not read after "
                                            f"{shown('seconds', budget)}; stopped ({flag_for('seconds')})"))
                    _replace(pool, w, context, job, budget, name, bool(queue))
    finally:
        for w in pool:
            with contextlib.suppress(OSError, ValueError):
                w.conn.send(None)
            w.stop()
    return [r if r is not None else Outcome(error="not read") for r in results]


def _died(worker: _Worker, budget: Budget) -> str:
    worker.process.join(timeout=5)
    code = worker.process.exitcode
    how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
    return (f"its reader died ({how}), most likely past its memory budget of {shown('memory_bytes', budget)} "
            f"({flag_for('memory_bytes')})")


def _replace(pool: list[_Worker], worker: _Worker, context: Any, job: Callable[[Any, Budget], Any],
             budget: Budget, name: Callable[[Any], str], needed: bool) -> None:
    """A worker that was killed or died is replaced only while items wait for it."""
    worker.stop()
    if needed:
        pool[pool.index(worker)] = _Worker(context, job, budget, name)
    else:
        pool.remove(worker)


__all__ = ["DEFAULT", "FLAGS", "Flag", "Budget", "Outcome", "flag_for", "out_of_range", "over",
           "parse_size", "run_bounded", "shown"]
