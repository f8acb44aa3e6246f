"""Countries as other systems write them."""

from __future__ import annotations

import pytest

from koers.imports.countries import country_code


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("NL", "NL"),
        ("nld", "NL"),
        ("Nederland", "NL"),
        ("The Netherlands", "NL"),
        ("Pays-Bas", "NL"),
        ("Niederlande", "NL"),
        ("België", "BE"),
        ("Belgie", "BE"),
        ("Belgique", "BE"),
        ("Duitsland", "DE"),
        ("Allemagne", "DE"),
        ("USA", "US"),
        ("United States", "US"),
        ("Verenigde Staten", "US"),
        ("UK", "GB"),
        ("United Kingdom", "GB"),
        ("Verenigd Koninkrijk", "GB"),
        ("Royaume-Uni", "GB"),
        ("Japan", "JP"),
        ("Brasil", None),  # Portuguese is not among the languages read
        ("Atlantis", None),
        ("", None),
    ],
)
def test_a_country_in_code_or_name(written, code):
    assert country_code(written) == code
