"""A select of thousands of choices is written in one pass, as Django's own would be."""

from __future__ import annotations

from django import forms
from django.test.html import parse_html
from hypothesis import given
from hypothesis import strategies as st

from koers.kit.widgets import LongSelect

text = st.text(min_size=1, max_size=12)


@given(
    choices=st.lists(st.tuples(text, text), min_size=0, max_size=8, unique_by=lambda c: c[0]),
    pick=st.integers(min_value=-1, max_value=8),
)
def test_the_same_select_as_djangos(choices, pick):
    """Names with &, <, quotes and anything else: the same options, the same one chosen,
    the same attributes."""
    value = choices[pick][0] if 0 <= pick < len(choices) else None
    attrs = {"id": "id_series", "required": True}
    theirs = forms.Select(choices=choices, attrs={"class": "x"}).render("series", value, attrs)
    ours = LongSelect(choices=choices, attrs={"class": "x"}).render("series", value, attrs)
    assert parse_html(ours) == parse_html(theirs)


def test_the_forecast_page_lists_its_series_with_it():
    from koers.forecast.views import SeriesForm

    assert isinstance(SeriesForm.base_fields["series"].widget, LongSelect)


def test_a_record_select_that_is_no_picker_is_written_in_one_pass(cast):
    """The units of the targets list's filter: the same options as Django's select."""
    from koers.plan.models import Target
    from koers.ui.entities import ENTITIES
    from koers.ui.entity_views import _filterset

    form = _filterset(ENTITIES["targets"], cast.user("dirk"), None, Target.objects.all()).form
    widget = form.fields["unit"].widget
    assert isinstance(widget, LongSelect)
    theirs = forms.Select(choices=list(form.fields["unit"].choices)).render("unit", None)
    assert parse_html(widget.render("unit", None)) == parse_html(theirs)
    assert "Team Noord" in widget.render("unit", None)
