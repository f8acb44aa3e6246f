"""Koers's own template files import into an empty organisation, in order, and again
without changing anything."""

from __future__ import annotations

from koers.imports.samples import IMPORT_ORDER, sample_path, template_csv
from koers.imports.services import import_file
from koers.imports.specs import KINDS
from koers.sales import models as sm


def test_there_is_a_template_for_every_kind():
    assert set(IMPORT_ORDER) == set(KINDS)
    for kind in KINDS:
        header = template_csv(kind).splitlines()[0].split(";")
        assert header == [c.header for c in KINDS[kind].columns], kind


def test_koers_samples_import_in_order_and_again_unchanged(funnel):
    for kind in IMPORT_ORDER:
        raw = sample_path(kind).read_bytes()
        run = import_file(kind=kind, raw=raw, filename=f"{kind}.csv", by=None).run
        assert run.status == "committed", (kind, run.errors)
        assert run.created == run.rows, kind
    for kind in IMPORT_ORDER:
        raw = sample_path(kind).read_bytes()
        run = import_file(kind=kind, raw=raw, filename=f"{kind}.csv", by=None).run
        assert (run.created, run.updated, run.unchanged) == (0, 0, run.rows), (kind, run.errors)
    ret = sm.OrderLine.objects.get(external_id="VB-OL-003")
    assert ret.original.external_id == "VB-OL-002"
    assert ret.credits.get().person.external_id == "VB-003"  # the account owner
