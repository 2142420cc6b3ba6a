"""Python's cyclic garbage collector paused for one bounded piece of bulk work: an import's check and its writes.

Why: a 10,000-row import keeps every row's objects (cells, plan, model instances) until it ends, and every few
thousand survivors set off a full collection that walks the whole heap again, to free next to nothing (the import
makes no garbage cycles to speak of). On such a file those collections were a fifth of the check and a quarter of the
writes (bench/RESULTS.md). Paused, reference counting still frees every object as usual; only cycles wait, and the
collector runs again after the block, as before.

The switch is the process's: in a threaded server, other threads' cycles wait for the block too. The blocks are
bounded (an import by its row bounds and its CPU deadline, `programs.xlsx.importer.reading`), so the wait is.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block (or the decorated function) without the cyclic collector; it is on again after, also when the
    block raises. Left alone when it was already off (by the caller, or by an outer block)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
