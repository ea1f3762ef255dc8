"""The cyclic garbage collector held off while a structured file is bulk-loaded.

A load allocates millions of short-lived rows, tuples and byte strings, each freed by
reference counting once its batch is written; none of them form reference cycles (a
full collection after loading a million payments finds nothing to free). Every one of
those allocations still counts toward the collector's thresholds, and every full
collection walks all the objects the process holds (the libraries', the web
application's): about 0.1 s on this project's process, several times per file, for
nothing. So the collector is held off for the load and turned back on when the last
load running in the process ends (loads in threads overlap); anything cyclic that other
threads made meanwhile is collected then.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_LOCK = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    """Hold the cyclic collector off until the block (and every other holder) ends; it
    comes back only if it was on when the first holder began."""
    global _holders, _was_enabled
    with _LOCK:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _LOCK:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
