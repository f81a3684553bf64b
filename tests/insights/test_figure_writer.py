"""The dashboards' table cells are written with figure_writer() (the number formats looked up
once per table, for speed): every value comes out exactly as the template filter `figure`
writes it, in every staff language."""

import pytest
from django.utils import translation

from nara.insights.dashboard import Percent
from nara.insights.templatetags.insights import figure, figure_writer

VALUES = [
    None,
    "",
    "Hageby",
    True,
    0,
    7,
    -5,
    1234,
    1234567,
    0.0,
    2.56,
    -0.05,
    1234.5,
    12345678.96,
    1e-7,
    3e20,
    Percent(25.0),
    Percent(12.5),
    Percent(0.0),
    Percent(1234.5),
    -1234567,
    999.99,
    1000.05,
    -1234.56,
    float("inf"),
    float("nan"),
    10**21,
]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_figure_writer_writes_every_value_as_the_figure_filter(language):
    with translation.override(language):
        write = figure_writer()
        assert [write(v) for v in VALUES] == [figure(v) for v in VALUES]
    with translation.override("sv"):
        assert figure_writer()(1234567) == "1\xa0234\xa0567"
        assert figure_writer()(Percent(12.5)) == "12,5 %"
