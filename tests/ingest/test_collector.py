"""The garbage collector is held off during bulk loads and always comes back."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from palermo.ingest import collector
from palermo.ingest.options import LoadOptions
from palermo.security.permissions import Actor
from palermo.services.context import Context
from palermo.services.ingest import Outcome, ingest_path

from .conftest import CALLS, WriteFile


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_blocks_nest_and_the_last_one_turns_it_back_on() -> None:
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer load still runs
    assert gc.isenabled()


def test_an_error_in_the_block_still_turns_it_back_on() -> None:
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError("the load failed")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with collector.paused():
        pass
    assert not gc.isenabled()


def test_overlapping_loads_in_threads() -> None:
    first_in, second_out, first_may_leave = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with collector.paused():
            first_in.set()
            first_may_leave.wait(5)
        seen.append(gc.isenabled())

    def second() -> None:
        first_in.wait(5)
        with collector.paused():
            pass
        seen.append(gc.isenabled())  # the first load still holds it off
        second_out.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    second_out.wait(5)
    first_may_leave.set()
    for thread in threads:
        thread.join(5)
    assert seen == [False, True]
    assert gc.isenabled()


def test_ingest_of_good_and_bad_files_leaves_it_on(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile, evidence: Path
) -> None:
    write("calls.csv", CALLS)
    write("bad-date.csv", CALLS + "C4,2024-02-30T10:00:00Z,+12025550101,+12025550102,1,X\n")
    # All or nothing: the bad row fails its file, raised inside the paused load.
    report = ingest_path(
        ctx, prosecutor, case_ref, evidence, options=LoadOptions(all_or_nothing=True)
    )
    assert sorted(f.status for f in report.files) == [Outcome.FAILED, Outcome.LOADED]
    assert gc.isenabled()
