"""Each achievability rule at its edge."""

from __future__ import annotations

from koers.engine.achievability import Record, check


def _codes(target, quarter=0.0, revenue=False, **record):
    return [f.code for f in check(target, quarter, Record(**record), revenue=revenue)]


def test_growth_beyond_thirty_percent():
    assert _codes(130, last_year=100) == []  # exactly 30%: not flagged
    assert _codes(130.01, last_year=100) == ["growth"]
    flag = check(200, 0, Record(last_year=100), revenue=False)[0]
    assert flag.figures == {"growth": 100.0, "last_year": 100}


def test_no_record_unless_new():
    assert _codes(10, last_year=0) == ["no_record"]
    assert _codes(10, last_year=0, full_year=False) == []
    assert _codes(0, last_year=0) == []


def test_pipeline_for_the_first_quarter():
    # € 30,000 first quarter; € 60,000 open at 25% = € 15,000: exactly half, not flagged
    assert _codes(100, 30_000, True, last_year=100, open_pipeline=60_000, win_rate=0.25) == []
    assert _codes(100, 30_000, True, last_year=100, open_pipeline=59_999, win_rate=0.25) == [
        "pipeline"
    ]
    assert _codes(100, 30_000, False, last_year=100) == []  # only for revenue


def test_capacity():
    assert _codes(100, last_year=100, peak_load=1.2) == []
    assert _codes(100, last_year=100, peak_load=1.21) == ["capacity"]


def test_the_pipeline_is_judged_on_the_part_won_through_deals():
    # € 120,000 in the first quarter, a fifth of it through deals: € 24,000; € 50,000 open
    # at a 40% win rate brings € 20,000, more than half of € 24,000: no flag; with every
    # euro through deals it would be far from half of € 120,000
    record = Record(last_year=400_000, open_pipeline=50_000, win_rate=0.4, deal_share=0.2)
    assert check(480_000, 120_000, record, revenue=True) == []
    everything = Record(last_year=400_000, open_pipeline=50_000, win_rate=0.4)
    assert [f.code for f in check(480_000, 120_000, everything, revenue=True)] == ["pipeline"]
