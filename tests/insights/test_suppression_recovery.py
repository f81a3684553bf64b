"""An attacker tries to recover the suppressed cells, and fails.

The attacker has every published number and knows how they add up. For each "fewer than 5"
cell they solve two linear programs with HiGHS (scipy.optimize.linprog): the smallest and the
largest value the cell can take under every published equation, with every cell ≥ 0 and every
"fewer than 5" cell ≤ 4. In the stricter model they also use that a "not shown" cell is at
least 5 (it is not labelled "fewer than 5").

Protection required (PROTECTION): max − min ≥ 2 for every "fewer than 5" cell in both models,
i.e. at least three of the five values 0–4 stay possible (most cells keep the whole 0–4). A
version with primary suppression only pins cells exactly, so the test fails on it
(test_primary_suppression_alone_is_recovered).

Datasets: random tables shaped like the open statistics (centres and areas both adding up to
the municipality, months adding up to the year, accepted + declined = answered), adversarial
ones (one small cell in a row; two small cells in different rows of one column; a small cell
next to a month whose year total would give it away; zeros), and the full open statistics of
two years built from the rollups.
"""

import datetime as dt
import random

import numpy as np
import pytest
from scipy.optimize import linprog

from nara.insights import suppression
from nara.insights.suppression import FEW, HIDDEN, SHOWN, Figure

PROTECTION = 2


def attacker_ranges(published, equations, *, strict):
    """{key: (min, max)} for every FEW cell. `published`: {key: Figure or None (a cell the
    attacker knows exists but is not published)}; `equations`: [(total, parts)]. Solved per
    connected set of unknown cells (the others cannot constrain them)."""
    unknown = [k for k, f in published.items() if f is None or not f.shown]
    column = {k: i for i, k in enumerate(unknown)}
    parent = list(range(len(unknown)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    rows = []
    for total, parts in equations:
        row, value = {}, 0.0
        for position, key in enumerate((total, *parts)):
            sign = 1 if position == 0 else -1
            if key in column:
                row[column[key]] = row.get(column[key], 0) + sign
            else:
                value -= sign * published[key].value
        row = {c: v for c, v in row.items() if v}
        if row:
            rows.append((row, value))
            first, *rest = row
            for other in rest:
                parent[find(other)] = find(first)
        else:
            assert abs(value) < 1e-9, f"published figures do not add up at {total}"

    def bounds(key):
        figure = published[key]
        if figure is not None and figure.status == FEW:
            return (0, 4)
        if figure is not None and figure.status == HIDDEN and strict:
            return (5, None)
        return (0, None)

    components = {}
    for i in range(len(unknown)):
        components.setdefault(find(i), []).append(i)
    rows_of = {}
    for row, value in rows:
        rows_of.setdefault(find(next(iter(row))), []).append((row, value))
    result = {}
    for root, columns in components.items():
        if not any(
            published[unknown[c]] is not None and published[unknown[c]].status == FEW
            for c in columns
        ):
            continue
        local = {c: i for i, c in enumerate(columns)}
        equalities = rows_of.get(root, [])
        a_eq = np.zeros((len(equalities), len(columns)))
        for r, (row, _value) in enumerate(equalities):
            for c, v in row.items():
                a_eq[r, local[c]] = v
        options = {
            "A_eq": a_eq if equalities else None,
            "b_eq": np.array([value for _row, value in equalities]) if equalities else None,
            "bounds": [bounds(unknown[c]) for c in columns],
            "method": "highs",
        }
        for c in columns:
            key = unknown[c]
            if published[key] is None or published[key].status != FEW:
                continue
            objective = np.zeros(len(columns))
            objective[local[c]] = 1
            low, high = linprog(objective, **options), linprog(-objective, **options)
            assert low.status == 0 and high.status == 0, (key, low.message, high.message)
            result[key] = (round(low.fun, 6), round(-high.fun, 6))
    return result


def exposed(published, equations):
    """The "fewer than 5" cells the attacker narrows to fewer than three values: {key: (min,
    max)}. Checked in the stricter model only: its feasible values are a subset of the other
    model's, so a range wide enough there is wide enough in both."""
    ranges = attacker_ranges(published, equations, strict=True)
    return {key: r for key, r in ranges.items() if r[1] - r[0] < PROTECTION}


# Tables shaped like the open statistics ---------------------------------------------------


def table(cross, months, *, offers=False):
    """values, groups, totals from `cross`: {(centre, area, month): (contacts, accepted,
    declined)}. Units: municipality "m", centres ("c", i), areas ("a", j); periods 0..months-1
    and "y" (derived)."""
    centres = sorted({c for c, _a, _m in cross})
    areas = sorted({a for _c, a, _m in cross})
    measures = ("contacts", "accepted", "declined", "answered") if offers else ("contacts",)
    values, groups, totals = {}, [], {}
    for index, measure in enumerate(measures):
        for m in range(months):
            for c in centres:
                values[(measure, ("c", c), m)] = 0
            for a in areas:
                values[(measure, ("a", a), m)] = 0
            for (c, a, mm), counts in cross.items():
                if mm == m:
                    n = counts[1] + counts[2] if measure == "answered" else counts[index]
                    values[(measure, ("c", c), m)] += n
                    values[(measure, ("a", a), m)] += n
            values[(measure, "m", m)] = sum(values[(measure, ("c", c), m)] for c in centres)
            groups.append(((measure, "m", m), [(measure, ("c", c), m) for c in centres]))
            groups.append(((measure, "m", m), [(measure, ("a", a), m) for a in areas]))
        for unit in ["m"] + [("c", c) for c in centres] + [("a", a) for a in areas]:
            totals[(measure, unit, "y")] = [(measure, unit, m) for m in range(months)]
    if offers:
        for unit in ["m"] + [("c", c) for c in centres] + [("a", a) for a in areas]:
            for m in range(months):
                parts = [("accepted", unit, m), ("declined", unit, m)]
                groups.append((("answered", unit, m), parts))
    return values, groups, totals


def equations_of(groups, totals):
    return list(groups) + list(totals.items())


def random_cross(rng, centres, areas, months, small_share):
    cross = {}
    for c in range(centres):
        for a in range(areas):
            for m in range(months):
                if rng.random() < small_share:
                    contacts = rng.choice([0, 0, 0, 1, 1, 2, 3])
                else:
                    contacts = rng.randint(0, 14)
                accepted = rng.randint(0, contacts)
                declined = rng.randint(0, contacts - accepted)
                cross[(c, a, m)] = (contacts, accepted, declined)
    return cross


def adversarial():
    """Named crosses built to break a weak suppression."""

    def big(c, a, m):
        return (40 + 3 * c + a + m, 20, 10)

    shapes = {}
    # One small cell in a row: centre 0 has 3 contacts in March, every other month is large.
    cross = {(c, a, m): big(c, a, m) for c in range(3) for a in range(2) for m in range(12)}
    cross[(0, 0, 2)], cross[(0, 1, 2)] = (2, 1, 0), (1, 0, 1)
    shapes["one small cell in a row"] = cross
    # Two small cells in different rows of one column (centres 0 and 1 in May).
    cross = {(c, a, m): big(c, a, m) for c in range(3) for a in range(2) for m in range(12)}
    cross[(0, 0, 4)], cross[(0, 1, 4)] = (1, 1, 0), (1, 0, 0)
    cross[(1, 0, 4)], cross[(1, 1, 4)] = (2, 0, 1), (0, 0, 0)
    shapes["two small cells in one column"] = cross
    # A small cell whose neighbouring month and the year total would give it away: area 1
    # has 4 contacts in January, 6 in February, large afterwards.
    cross = {(c, a, m): big(c, a, m) for c in range(2) for a in range(3) for m in range(12)}
    cross[(0, 1, 0)], cross[(1, 1, 0)] = (3, 1, 1), (1, 0, 0)
    cross[(0, 1, 1)], cross[(1, 1, 1)] = (4, 2, 1), (2, 1, 0)
    shapes["a small cell beside its neighbouring month"] = cross
    # Zeros and fours: a column whose small cells add up to 0, and one whose add up to 8.
    cross = {(c, a, m): big(c, a, m) for c in range(4) for a in range(2) for m in range(3)}
    for c in (0, 1):
        cross[(c, 0, 1)], cross[(c, 1, 1)] = (0, 0, 0), (0, 0, 0)
        cross[(c, 0, 2)], cross[(c, 1, 2)] = (2, 1, 1), (2, 1, 1)
    shapes["zeros and fours"] = cross
    # A centre with only one large month in the year.
    cross = {
        (c, a, m): (1 if c == 0 else 30, 0, 0) for c in range(3) for a in range(2) for m in range(4)
    }
    cross[(0, 0, 3)] = (25, 10, 5)
    shapes["one large month"] = cross
    return shapes


def months_of(cross):
    return max(m for _c, _a, m in cross) + 1


@pytest.mark.parametrize("name", list(adversarial()))
def test_adversarial_tables_are_protected(name):
    cross = adversarial()[name]
    values, groups, totals = table(cross, months_of(cross), offers=True)
    published = suppression.suppress(values, groups, totals=totals)
    assert any(f.status == FEW for f in published.values())
    assert not exposed(published, equations_of(groups, totals)), name


@pytest.mark.parametrize("seed", range(24))
def test_random_tables_are_protected(seed):
    rng = random.Random(seed)
    cross = random_cross(
        rng,
        centres=rng.randint(2, 4),
        areas=rng.randint(2, 5),
        months=rng.randint(1, 6),
        small_share=rng.choice([0.3, 0.6, 0.9, 1.0]),
    )
    values, groups, totals = table(cross, months_of(cross), offers=seed % 2 == 0)
    published = suppression.suppress(values, groups, totals=totals)
    assert not exposed(published, equations_of(groups, totals)), f"seed {seed}"


def primary_only(values, totals):
    """The weak version: "fewer than 5" where below 5, everything else shown."""
    published = {k: Figure(None, FEW) if n < 5 else Figure(n, SHOWN) for k, n in values.items()}
    for key, parts in totals.items():
        n = sum(values[p] for p in parts)
        published[key] = Figure(None, FEW) if n < 5 else Figure(n, SHOWN)
    return published


@pytest.mark.parametrize("name", list(adversarial()))
def test_primary_suppression_alone_is_recovered(name):
    """The test has teeth: without complementary suppression the attacker pins cells."""
    cross = adversarial()[name]
    values, groups, totals = table(cross, months_of(cross), offers=True)
    published = primary_only(values, totals)
    ranges = attacker_ranges(published, equations_of(groups, totals), strict=False)
    pinned = [k for k, (low, high) in ranges.items() if high - low < 1]
    assert pinned, f"{name}: primary suppression alone should give cells away"
    for key in pinned:  # and the attacker's value is the true one
        assert ranges[key][0] == values.get(key, sum(values[p] for p in totals.get(key, ())))


# The full open statistics, two years, from the rollups -------------------------------------


@pytest.fixture
def small_municipality(db):
    from nara.core.models import Area, Center, Municipality

    municipality = Municipality.objects.create(code="9990", name="Prövby")
    centres = [
        Center.objects.create(
            municipality=municipality,
            slug=f"provby-{i}",
            name=f"Center {i}",
            neutral_display_name=f"Center {i}",
            street_address="Gatan 1",
            postal_code="99999",
            city="Prövby",
            lon=15.0,
            lat=58.0,
            is_published=True,
        )
        for i in range(3)
    ]
    box = {"min_lon": 15, "max_lon": 15.1, "min_lat": 58, "max_lat": 58.1}
    areas = [
        Area.objects.create(
            municipality=municipality,
            code=f"9990A{i}",
            name=f"Område {i}",
            geometry={"type": "Polygon", "coordinates": []},
            centroid_lon=15.05,
            centroid_lat=58.05,
            **box,
        )
        for i in range(3)
    ]
    return municipality, centres, areas


def fill_rollups(rng, centres, areas, year):
    from nara.core.models import VisitFeedbackTally
    from nara.insights.models import BookingRollup, ContactRollup, OfferRollup
    from tests.insights.slices import slices_from_cube

    contacts, offers, tallies = [], [], []
    for month in range(1, 13):
        day = dt.date(year, month, 1)
        for centre in centres:
            for area_id in [a.pk for a in areas] + [0]:
                small = rng.random() < 0.5
                n = rng.choice([0, 1, 2, 3]) if small else rng.randint(5, 25)
                common = {"month": day, "center_id": centre.pk, "area_id": area_id, "topic": ""}
                common |= {"age_band": "unknown", "channel": "drop_in"}
                contacts.append(ContactRollup(**common, language="", contacts=n))
                accepted = rng.randint(0, n)
                declined = rng.randint(0, n - accepted)
                offers.append(
                    OfferRollup(
                        **common, service_id=1, offered=n, accepted=accepted, declined=declined
                    )
                )
            visits = rng.choice([2, 8, 20])
            BookingRollup.objects.create(
                month=day,
                center_id=centre.pk,
                reminder_sent=True,
                booked=visits,
                attended=visits - visits // 4,
                no_show=visits // 4,
            )
            answers = rng.choice([2, 9, 16])  # every answer answers each question once
            for question in ("welcome", "listened", "again"):
                yes = rng.randint(0, answers)
                partly = rng.randint(0, answers - yes)
                split = (("yes", yes), ("partly", partly), ("no", answers - yes - partly))
                tallies += [
                    VisitFeedbackTally(
                        center=centre, month=day, via="qr", question=question, answer=a, count=n
                    )
                    for a, n in split
                ]

    ContactRollup.objects.bulk_create(contacts)
    OfferRollup.objects.bulk_create(offers)
    slices_from_cube()
    VisitFeedbackTally.objects.bulk_create(tallies)


def published_cells(data, year):
    """Every published figure of one year as {(year, measure, unit, period): Figure}."""
    cells = {}
    for unit, rows in data["tables"].items():
        for row in rows:
            for measure in (
                "contacts",
                "accepted",
                "declined",
                "answered",
                "visits",
                "attended",
                "no_show",
                "feedback",
            ):
                if row.get(measure) is not None:
                    cells[(year, measure, unit, row["period"])] = row[measure]
            for question, figures in (row.get("feedback_yes") or {}).items():
                cells[(year, f"yes_{question}", unit, row["period"])] = figures["yes"]
                cells[(year, f"other_{question}", unit, row["period"])] = None  # not published
    return cells


def open_statistics_equations(cells, data, year):
    from nara.insights.open_statistics import MUNICIPALITY, OTHER, YEAR

    units = list(data["tables"])
    centres = [u for u in units if u[0] == "centre"]
    areas = [u for u in units if u[0] == "area"]
    equations = []
    measures = {m for (_y, m, _u, _p) in cells}
    for measure in measures:
        for period in [*data["months"], YEAR]:
            for partition in (centres, areas):
                parts = [(year, measure, u, period) for u in partition]
                if (
                    all(p in cells for p in parts)
                    and (year, measure, MUNICIPALITY, period) in cells
                ):
                    equations.append(((year, measure, MUNICIPALITY, period), parts))
        for unit in units:
            parts = [(year, measure, unit, m) for m in data["months"]]
            if (year, measure, unit, YEAR) in cells:
                equations.append(((year, measure, unit, YEAR), parts))
    for unit in units:
        for period in [*data["months"], YEAR]:

            def key(measure, unit=unit, period=period):
                return (year, measure, unit, period)

            equations.append((key("answered"), [key("accepted"), key("declined")]))
            if key("visits") in cells:
                equations.append((key("visits"), [key("attended"), key("no_show")]))
                for q in ("welcome", "listened", "again"):
                    equations.append((key("feedback"), [key(f"yes_{q}"), key(f"other_{q}")]))
    assert OTHER in {u[1] for u in areas}
    return equations


def test_open_statistics_of_two_years_are_protected(small_municipality):
    from nara.insights import open_statistics

    municipality, centres, areas = small_municipality
    rng = random.Random(7)
    this_year = dt.date.today().year
    cells, equations = {}, []
    for year in (this_year - 2, this_year - 1):
        fill_rollups(rng, centres, areas, year)
        data = open_statistics.build(municipality, year)
        year_cells = published_cells(data, year)
        cells |= year_cells
        equations += open_statistics_equations(year_cells, data, year)
    assert sum(1 for f in cells.values() if f is not None and f.status == FEW) > 50
    assert not exposed(cells, equations)
