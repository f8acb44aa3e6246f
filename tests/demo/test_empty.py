"""The demo commands on a database without the demo."""

from __future__ import annotations

import io

from django.core.management import call_command


def test_demo_logins_on_an_empty_database_says_there_are_none(db):
    out = io.StringIO()
    call_command("demo-logins", stdout=out)
    assert out.getvalue() == "No demo logins: the demo organisation is not loaded.\n"
