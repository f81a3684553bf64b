"""The dashboards' filter drop-downs (nara.lib.widgets.QuickSelect, written in Python for speed)
are the same HTML as Django's own <select> for the same field: the same id, name, required and
aria attributes (so the label's `for` still points at it), the chosen option marked, and every
label escaped."""

import pytest
from django import forms
from django.test.html import parse_html

from nara.insights.dashboard_views import FilterForm

CENTRES = [{"pk": 1, "name": "A <b>&amp;</b>"}, {"pk": 2, "name": "B \"'<script>"}]
AREAS = {5: "Ö<img src=x onerror=alert(1)>"}


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"centre": "2", "area": "5", "topic": "money"},
        {"area": "abc", "centre": "1", "topic": "x<y"},
        {"centre": "2", "area": ""},
        {"start": "2026-13", "channel": "drop_in"},
    ],
)
def test_filter_dropdowns_are_the_html_of_a_django_select(data):
    form = FilterForm(data, centres=CENTRES, areas=AREAS)
    if data is not None:
        form.is_valid()
    for name in ("centre", "area", "topic", "age_band", "channel"):
        quick = str(form[name])
        assert "<script>" not in quick and "<img" not in quick and "<b>" not in quick
        field = form.fields[name]
        field.widget = forms.Select(choices=field.choices)
        assert parse_html(quick) == parse_html(str(form[name])), name
        assert f'for="{form[name].id_for_label}"' in str(form[name].label_tag())


def test_the_chosen_centre_is_marked():
    form = FilterForm({"centre": "2"}, centres=CENTRES, areas=AREAS)
    html = str(form["centre"])
    assert html.count(" selected") == 1 and '<option value="2" selected>' in html
