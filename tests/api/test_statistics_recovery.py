"""An attacker tries to recover the suppressed cells from the open statistics API, and fails.

In a module of its own: it needs a municipality of its own as the site's only one (the demo,
kept for a whole module, would be the one the API publishes).
"""

import datetime as dt
import random

import pytest
from django.core.cache import cache

from nara.insights import open_statistics as stats
from nara.insights.suppression import FEW, Figure
from tests.insights.test_suppression_recovery import (
    exposed,
    fill_rollups,
    open_statistics_equations,
    published_cells,
    small_municipality,  # noqa: F401  (a fixture)
)

pytestmark = pytest.mark.django_db

V1 = "/api/v1/statistics"


@pytest.fixture(autouse=True)
def fresh_figures():
    cache.clear()
    yield
    cache.clear()


def _cells_from_api(body, year):
    """The API's figures in the shape of open_statistics.published(), as an attacker reads
    them: units by slug and code, periods by date."""
    months = [dt.date(int(m[:4]), int(m[5:]), 1) for m in body["months"]]

    def period(text):
        return stats.YEAR if text == "year" else dt.date(int(text[:4]), int(text[5:]), 1)

    def figure(value):
        return Figure(value["value"], value["status"]) if value is not None else None

    def rows(api_rows):
        out = []
        for api_row in api_rows:
            row = {"period": period(api_row["period"])}
            for name, value in api_row.items():
                if name == "feedback_yes":
                    row[name] = {
                        q: {"yes": figure(v["yes"]), "share": figure(v["share"])}
                        for q, v in value.items()
                    }
                elif name != "period":
                    row[name] = figure(value)
            out.append(row)
        return out

    tables = {stats.MUNICIPALITY: rows(body["rows"])}
    for centre in body["centres"]:
        tables[("centre", centre["slug"])] = rows(centre["rows"])
    for area in body["areas"]:
        tables[("area", area["code"] or stats.OTHER)] = rows(area["rows"])
    data = {"months": months, "tables": tables}
    return published_cells(data, year), data


def test_suppressed_cells_cannot_be_recovered_from_the_api(small_municipality, resident):  # noqa: F811
    """An attacker takes every figure of two years from the API and every equation that holds
    between them (centres and areas add up to the municipality, months to the year, accepted
    + declined = answered, attended + missed = visits, yes + not yes = answers) and solves for
    the smallest and largest value of each "fewer than 5" cell: at least three of 0–4 stay
    possible for every one."""
    municipality, centres, areas = small_municipality
    rng = random.Random(11)
    this_year = dt.date.today().year
    cells, equations = {}, []
    for year in (this_year - 2, this_year - 1):
        fill_rollups(rng, centres, areas, year)
        response = resident.get(V1, {"year": year})
        assert response.status_code == 200, response.content[:300]
        year_cells, data = _cells_from_api(response.json(), year)
        cells |= year_cells
        equations += open_statistics_equations(year_cells, data, year)
        # The same figures as the page's.
        page = stats.published(municipality, year)
        assert len(page["tables"]) == len(data["tables"])
    few = [k for k, f in cells.items() if f is not None and f.status == FEW]
    assert len(few) > 50
    assert not exposed(cells, equations)
