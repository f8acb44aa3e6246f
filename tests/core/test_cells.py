"""Exported cells never run as formulas; numbers written as text stay numbers."""

from __future__ import annotations

import pytest

from koers.core.cells import safe_cell


@pytest.mark.parametrize(
    ("value", "out"),
    [
        ("=1+1", "'=1+1"),
        ("+31 20 123", "'+31 20 123"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-10.00", "-10.00"),
        ("+5", "+5"),
        ("-3,5", "-3,5"),
        ("Pompen B.V.", "Pompen B.V."),
        (12.5, 12.5),
        (None, None),
    ],
)
def test_a_cell_that_would_run_as_a_formula_is_made_text(value, out):
    assert safe_cell(value) == out
