"""Structured files read in a second process while the first one writes.

A large CSV costs about as much CPU to read (parse, normalise, check, seal) as to
write into the database. :class:`ParallelRead` hands the reading to a worker
process, which runs exactly the serial path's code (``StructuredReader.rows`` then
``sealed.sealed_batches``) and streams the sealed column batches back through a pipe,
while the ingest service inserts each batch as it arrives. When the writer would mostly
wait (a SQLite load that builds the indexes at the end only appends rows), the worker
leaves the randomly sealed columns (body, attributes) as text and the writer seals them
(``writer_seals``): the two processes then share the CPU work about evenly. Only the
reading moves: the database work (the evidence row, every insert, the identifiers, the
audit entry, the commit) stays in the caller's one transaction, so a file is still
loaded whole or not at all, and a bad line found by the worker stops the file with the
same ReadError (file, line and column) the serial path raises, before anything commits.

Used for large files when a CPU is free for it (:func:`worth_it`). The worker is
started once per process (a program of its own, ``python -m palermo.ingest.pipeline``:
it shares no thread, lock or database connection with the caller) and reused; one file
at a time uses it, and a second concurrent ingest reads serially. The pipe's buffer
holds the worker back when the writer is slower, so memory stays at a few batches. A
worker that dies, or a reading abandoned midway (the writer failed), is stopped and
replaced on the next use.
"""

from __future__ import annotations

import atexit
import os
import pickle
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from palermo.ingest.readers.base import ReadContext
from palermo.ingest.readers.structured import RowStream, StructuredReader
from palermo.ingest.sealed import random_column_sealer
from palermo.security.sealing import ColumnCipher

# Files with fewer data lines than this are read in the calling process: starting
# the exchange costs more than it saves on small files.
PARALLEL_MIN_ROWS = 50_000
# The fewest bytes a data line of a structured file is expected to take: a file's size
# over this is the most lines it may hold, to start the worker before counting them.
MIN_LINE_BYTES = 40
TABULAR_SUFFIXES = (".csv", ".tsv", ".txt")
# Rows per batch sent through the pipe (smaller than a serial batch, so the writer
# starts early and the two processes overlap from the first rows).
PIPE_BATCH_ROWS = 10_000


class WorkerFailed(RuntimeError):
    """The reading process stopped without an answer (killed, out of memory)."""


def worth_it(expected_rows: int, wanted: bool | None = None) -> bool:
    """Whether a file of about ``expected_rows`` data lines is read in a worker.

    ``wanted`` (the ``ingest_worker`` setting): False never, True for every large file;
    None, for a large file when a CPU is free for it (the load average of the last
    minute, which counts this process, leaves one): on a machine already busy the second
    process only adds the cost of passing the rows between the two."""
    cpus = os.cpu_count() or 1
    if wanted is False or expected_rows < PARALLEL_MIN_ROWS or cpus < 2:
        return False
    if wanted is True:
        return True
    try:
        load = os.getloadavg()[0]
    except OSError:
        return True
    return load <= cpus - 0.5


class ParallelRead:
    """The rows of one structured file, read and sealed by the worker.

    ``open()`` checks the header (raising the ReadError the serial ``rows()`` raises)
    and returns the file's RowStream, whose identifiers, warnings and bad rows are
    filled once ``batches()`` has been consumed to the end."""

    def __init__(
        self,
        kind: str,
        path: Path,
        context: ReadContext,
        *,
        as_text: bool,
        master: bytes,
        blob: bool,
        writer_seals: bool = False,
    ) -> None:
        self._task = (
            kind,
            str(path),
            context,
            as_text,
            master,
            blob,
            PIPE_BATCH_ROWS,
            not writer_seals,
        )
        # The randomly sealed columns, sealed here when the worker leaves them.
        self._seal_randoms = (
            random_column_sealer(ColumnCipher(master), bytearray if blob else None)
            if writer_seals
            else None
        )
        self._worker: _Worker | None = None
        # "reading" until the last batch, then "keys" until the search keys came.
        self._stage = "reading"
        self.stream: RowStream | None = None

    def open(self) -> RowStream | None:
        """The file's stream once the worker read its header; None when no worker is
        free (or the task cannot be sent): the caller reads serially."""
        worker = _acquire()
        if worker is None:
            return None
        try:
            task = pickle.dumps(self._task, pickle.HIGHEST_PROTOCOL)
        except Exception:  # e.g. a profile that cannot be pickled: read serially
            _release(worker)
            return None
        try:
            worker.conn.send_bytes(task)
        except OSError:
            worker.stop()
            _release(None)
            return None
        self._worker = worker
        message = self._receive()
        assert message[0] == "open"
        self.stream = RowStream(kind=message[1], rows=iter(()), encoding=message[2])
        return self.stream

    def batches(self) -> Iterator[tuple[int, list[Any]]]:
        """The sealed batches, in file order (``sealed.sealed_batches``' form)."""
        assert self.stream is not None and self._worker is not None
        while True:
            message = self._receive()
            if message[0] == "batch":
                if self._seal_randoms is not None:
                    self._seal_randoms(message[2])
                yield message[1], message[2]
                continue
            _, identifiers, forms, warnings, bad_rows = message
            self.stream.identifiers.update(identifiers)
            self.stream.identifier_forms.update(forms)
            self.stream.warnings.extend(warnings)
            self.stream.bad_rows = bad_rows
            self._stage = "keys"
            return

    def search_keys(self) -> dict[tuple[str, str], list[int]]:
        """The search keys of the file's identifiers (``sealed.identifier_keys``), made by
        the worker after its last batch, while this process finished the inserts."""
        if self._stage != "keys" or self._worker is None:
            return {}
        message = self._receive()
        self._stage = "done"
        self.close()
        keys: dict[tuple[str, str], list[int]] = message[1]
        return keys

    def close(self) -> None:
        """Give the worker back (once its keys came, which takes it a moment at most),
        or stop it if it may still be reading."""
        worker = self._worker
        if worker is None:
            return
        if self._stage == "keys":
            try:
                self._receive()
            except Exception:
                return  # it stopped and was handled
            self._stage = "done"
        self._worker = None
        if self._stage == "done":
            _release(worker)
        else:
            worker.stop()
            _release(None)

    def _receive(self) -> tuple[Any, ...]:
        assert self._worker is not None
        try:
            message: tuple[Any, ...] = pickle.loads(self._worker.conn.recv_bytes())
        except (EOFError, OSError) as exc:
            self._worker.stop()
            self._worker = None
            _release(None)
            raise WorkerFailed("the process reading the file stopped") from exc
        if message[0] == "error":
            self._stage = "done"  # it sent everything it had; it waits for a new task
            self.close()
            raise _rebuild(message[1], message[2], message[3])
        return message


# --- the worker process -------------------------------------------------------------------


class _Worker:
    """The reading process: ``python -m palermo.ingest.pipeline FD``, talking over one end
    of a socket pair.

    Started as a program of its own, not by multiprocessing's ``spawn``, which first
    imports the caller's main module in the new process: the whole command line or web
    application, seconds of start-up before the first row. This one imports the reader
    and the sealing only. It runs in a session of its own (Ctrl+C in a terminal reaches
    the caller, which stops it), and it ends by itself when the caller goes: its socket
    then reads end of file."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        self.conn.close()
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_LOCK = threading.Lock()
_IDLE: list[_Worker] = []
_BUSY = [False]


def _acquire() -> _Worker | None:
    with _LOCK:
        if _BUSY[0]:
            return None
        _BUSY[0] = True
        while _IDLE:
            worker = _IDLE.pop()
            if worker.alive():
                return worker
            worker.stop()
    try:
        return _Worker()
    except Exception:
        with _LOCK:
            _BUSY[0] = False
        return None


def warm_up(name: str, size: int, wanted: bool | None = None) -> None:
    """Start a worker now, if none is idle or busy, when the file ``name`` of ``size``
    bytes about to be read may be large enough for one (:func:`worth_it`).

    Called before the file is copied into the evidence store and checked: the worker's
    start-up (a new interpreter and its imports, about a second) then overlaps that work
    instead of delaying the first row. A worker started for a file that turns out not to
    need it waits idle for the next one (it is stopped at exit)."""
    if not name.lower().endswith(TABULAR_SUFFIXES):
        return
    if not worth_it(size // MIN_LINE_BYTES, wanted):
        return
    # Taken (an idle one, else a new one) and given back at once: it then waits idle.
    # None when one is busy (not ours to give back) or none could start.
    worker = _acquire()
    if worker is not None:
        _release(worker)


def _release(worker: _Worker | None) -> None:
    with _LOCK:
        _BUSY[0] = False
        if worker is not None:
            _IDLE.append(worker)


def shutdown() -> None:
    """Stop the idle worker (tests, and a process about to exit)."""
    with _LOCK:
        while _IDLE:
            _IDLE.pop().stop()


atexit.register(shutdown)


def _serve(conn: Connection) -> None:
    """The worker's loop: one task at a time until the pipe closes."""
    from palermo.ingest.sealed import identifier_keys, sealed_batches
    from palermo.security.sealing import ColumnCipher

    def send(message: tuple[Any, ...]) -> None:
        data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        try:
            conn.send_bytes(data)
        except OSError as exc:
            raise _PipeClosed from exc

    ciphers: dict[bytes, ColumnCipher] = {}
    while True:
        try:
            task = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        kind, path, context, as_text, master, blob, size, random = task
        try:
            cipher = ciphers.get(master)
            if cipher is None:
                ciphers.clear()
                cipher = ciphers[master] = ColumnCipher(master)
            stream = StructuredReader(kind).rows(Path(path), context, as_text=as_text)
            send(("open", stream.kind, stream.encoding))
            for n, columns in sealed_batches(
                stream.rows, cipher, size, blob=bytearray if blob else None, random=random
            ):
                send(("batch", n, columns))
            found = stream.identifiers
            send(("done", found, stream.identifier_forms, stream.warnings, stream.bad_rows))
            items = [(k, value) for k, values in found.items() for value in values]
            keys = identifier_keys(master, context.default_region, items, stream.identifier_forms)
            send(("keys", keys))
        except _PipeClosed:
            return  # the caller stopped waiting
        except BaseException as exc:  # sent to the caller, raised there
            try:
                try:
                    send(("error", type(exc), dict(vars(exc)), str(exc)))
                except _PipeClosed:
                    raise
                except Exception:  # an attribute that does not pickle
                    send(("error", RuntimeError, {}, f"{type(exc).__name__}: {exc}"))
            except _PipeClosed:
                return


class _PipeClosed(Exception):
    pass


def _rebuild(cls: type[BaseException], attributes: dict[str, Any], text: str) -> BaseException:
    """The worker's exception as raised there: its class, its attributes (a ReadError's
    file, line, column and reason; an ambiguity's readings and answers) and message."""
    exc = cls.__new__(cls)
    exc.args = (text,)
    try:
        vars(exc).update(attributes)
    except TypeError:
        return RuntimeError(text)
    return exc


if __name__ == "__main__":  # the reading process (see _Worker)
    _serve(Connection(int(sys.argv[1])))
