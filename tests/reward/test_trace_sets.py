"""A run's trace is stored as a set per calculation: a run calculated again writes a new
set (on PostgreSQL a partition written without indexes and attached whole), the old one
stays readable until the new one is committed and is dropped after; a run that fails
leaves the trace as it was; readers never wait on a run."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from django.db import connection, transaction

from koers.reward.models import CalcRun, PayoutLine, TraceRow, TraceSet
from koers.reward.services import run_month, trace
from tests.conftest import all_frozen, on_plan, reader_session, sale
from tests.reward.test_trace import BOSSES, NOV, REPS


class Failed(Exception):
    pass


def _scenario(cast) -> None:
    for day, who, number in ((3, cast.ruud, "A"), (20, cast.ruud, "B"), (5, cast.rosa, "C")):
        sale(cast, who, f"SO-{number}", dt.date(2026, 11, day), "1000.00")
    sale(cast, cast.rik, "SO-D", dt.date(2026, 11, 25), "2000.00")
    on_plan(REPS, cast.ruud, cast.rosa, cast.rik)
    on_plan(BOSSES, cast.mia, cast.max, cast.dirk)


def _traces() -> dict[tuple, list[tuple[int, int]]]:
    """Every line of November's run with the rows its trace reads."""
    return {
        (line.person_id, line.component, line.period_start): sorted(
            line.trace().values_list("order_line_id", "value")
        )
        for line in PayoutLine.objects.filter(run__month=NOV, basis__isnull=False)
    }


def _rows(set_id: int) -> list[tuple]:
    return sorted(
        TraceRow.objects.filter(trace_set=set_id).values_list(
            "run_id", "basis", "person_id", "order_line_id", "date", "value"
        )
    )


def _partitions() -> list[int]:
    return sorted(trace._partitions()) if trace.partitioned() else []


def test_a_run_again_writes_a_new_set_and_drops_the_old_one_once_committed(
    cast, django_capture_on_commit_callbacks
):
    _scenario(cast)
    with django_capture_on_commit_callbacks(execute=True):
        run_month(NOV, by=None)
    first = CalcRun.objects.get(month=NOV).trace_set
    rows, traces = _rows(first), _traces()
    assert rows and any(traces.values())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run_month(NOV, by=None)
        second = CalcRun.objects.get(month=NOV).trace_set
        assert second != first
        if trace.partitioned():  # until the commit, the old set is there for its readers
            assert _rows(first) == rows
    assert callbacks  # the old set goes after the commit
    # nothing changed: the new set holds the same rows and every line reads the same
    assert _rows(second) == rows
    assert _traces() == traces
    assert not TraceRow.objects.filter(trace_set=first).exists()
    assert list(TraceSet.objects.values_list("pk", flat=True)) == [second]
    if trace.partitioned():
        assert _partitions() == [second]
        # the partition's own indexes are the parent's (attached, none built twice)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE c.relname IN (SELECT indexname FROM pg_indexes WHERE tablename = %s)",
                [trace.partition_name(second)],
            )
            attached = cursor.fetchone()[0]
            cursor.execute(
                "SELECT COUNT(*) FROM pg_indexes WHERE tablename = %s",
                [trace.partition_name(second)],
            )
            assert attached == cursor.fetchone()[0] == len(trace.PARTITION_INDEXES)


def test_a_run_that_fails_leaves_the_trace_as_it_was(cast, django_capture_on_commit_callbacks):
    _scenario(cast)
    with django_capture_on_commit_callbacks(execute=True):
        run_month(NOV, by=None)
    first = CalcRun.objects.get(month=NOV).trace_set
    rows, traces = _rows(first), _traces()
    with pytest.raises(Failed), transaction.atomic():
        run_month(NOV, by=None)
        raise Failed  # after the new set was written and attached
    assert CalcRun.objects.get(month=NOV).trace_set == first
    assert _rows(first) == rows and _traces() == traces
    assert list(TraceSet.objects.values_list("pk", flat=True)) == [first]
    assert _partitions() == ([first] if trace.partitioned() else [])


def test_a_set_no_run_reads_is_dropped_by_the_next_run(cast, django_capture_on_commit_callbacks):
    """A set left behind (its drop did not get its lock in time) goes with the next run."""
    _scenario(cast)
    run_month(NOV, by=None)  # in the test's transaction: no commit, the old set stays
    left = CalcRun.objects.get(month=NOV).trace_set
    run_month(NOV, by=None)
    assert TraceSet.objects.filter(pk=left).exists()
    with django_capture_on_commit_callbacks(execute=True):
        run_month(NOV, by=None)
    current = CalcRun.objects.get(month=NOV).trace_set
    assert list(TraceSet.objects.values_list("pk", flat=True)) == [current]
    assert set(TraceRow.objects.values_list("trace_set", flat=True)) == {current}
    if trace.partitioned():
        assert _partitions() == [current]


@pytest.mark.django_db(transaction=True)
def test_readers_never_wait_for_a_run(cast, monkeypatch):
    """While a run recalculates a month (its new set written and attached, its transaction
    open), another session reads the month's trace, and every run's, without waiting, and
    sees the trace as it was."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer and no concurrent readers to show")
    _scenario(cast)
    run_month(NOV, by=None)
    old = CalcRun.objects.get(month=NOV).trace_set
    before = len(_rows(old))
    seen: list[int] = []
    waited: list[str] = []
    store = trace._store_partition

    def store_then_read(set_id, frame):
        stored = store(set_id, frame)
        with reader_session() as reader:
            try:
                current = reader.execute(
                    "SELECT trace_set FROM reward_calcrun WHERE month = %s", [NOV]
                ).fetchone()[0]
                seen.append(
                    reader.execute(
                        "SELECT COUNT(*) FROM reward_tracerow WHERE trace_set_id = %s", [current]
                    ).fetchone()[0]
                )
                reader.execute("SELECT COUNT(*) FROM reward_tracerow").fetchone()
            except psycopg.errors.LockNotAvailable as error:
                waited.append(str(error))
        return stored

    monkeypatch.setattr(trace, "_store_partition", store_then_read)
    run_month(NOV, by=None)
    assert waited == []
    assert seen == [before]  # the run's old trace, whole, until it commits
    assert _partitions() == [CalcRun.objects.get(month=NOV).trace_set]


@pytest.mark.django_db(transaction=True)
def test_a_set_still_read_waits_for_the_next_run(cast, monkeypatch):
    """Dropping a replaced set waits a moment for its readers, then leaves it for the
    next run rather than holding the trace up."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's partitions and locks")
    monkeypatch.setattr(trace, "DROP_LOCK_TIMEOUT", "100ms")
    _scenario(cast)
    run_month(NOV, by=None)
    old = CalcRun.objects.get(month=NOV).trace_set
    with reader_session() as reader, reader.transaction():
        reader.execute(f"SELECT COUNT(*) FROM {trace.partition_name(old)}").fetchone()
        run_month(NOV, by=None)  # commits; its drop of the old set cannot get the lock
        assert old in _partitions()
    assert trace.drop_replaced() == 1
    assert _partitions() == [CalcRun.objects.get(month=NOV).trace_set]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's partitions")
def test_a_runs_trace_is_written_frozen(cast):
    """A set's rows go into its new partition frozen (as a vacuum would leave them): its
    first readers write no hint bits, and no vacuum reads it again."""
    _scenario(cast)
    run_month(NOV, by=None)
    name = trace.partition_name(CalcRun.objects.get(month=NOV).trace_set)
    assert all_frozen(name)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's partitions")
def test_a_sets_ids_are_one_block_of_the_sequence_apart_from_every_other(cast):
    """A partition's rows take their ids from the trace's sequence in one block: every id
    in the trace unique across sets, and an id the sequence gives afterwards beyond it."""
    _scenario(cast)
    run_month(NOV, by=None)
    first = CalcRun.objects.get(month=NOV).trace_set
    run_month(NOV, by=None)  # the first set is kept until the commit: both are there
    second = CalcRun.objects.get(month=NOV).trace_set
    ids = list(TraceRow.objects.filter(trace_set__in=[first, second]).values_list("pk", flat=True))
    assert len(ids) == len(set(ids)) == 2 * len(_rows(first))
    block = sorted(TraceRow.objects.filter(trace_set=second).values_list("pk", flat=True))
    assert block == list(range(block[0], block[0] + len(block)))
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [trace.TABLE])
        assert cursor.fetchone()[0] > max(ids)
