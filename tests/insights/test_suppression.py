"""The suppression rules one by one, on tables small enough to check by hand."""

import pytest

from nara.insights.suppression import FEW, HIDDEN, SHOWN, Figure, rate, suppress, unique_count


def statuses(published):
    return {key: figure.status for key, figure in published.items()}


def test_every_count_below_5_is_fewer_than_5_zero_too():
    published = suppress({"a": 0, "b": 4, "c": 5, "d": 120})
    assert statuses(published) == {"a": FEW, "b": FEW, "c": SHOWN, "d": SHOWN}
    assert published["a"].value is None and published["c"].value == 5


def test_one_small_cell_hides_the_smallest_other_cell_with_room():
    # total 50 = 3 + 20 + 27: 3 alone would be 50 − 20 − 27.
    published = suppress({"t": 50, "x": 3, "y": 20, "z": 27}, [("t", ["x", "y", "z"])])
    assert statuses(published) == {"t": SHOWN, "x": FEW, "y": HIDDEN, "z": SHOWN}


def test_a_complement_of_exactly_5_is_passed_over_for_one_with_room():
    # Hiding 5 beside a 0 would tell the 0 (the 5 cannot go below 5): 12 is hidden instead.
    published = suppress({"t": 17, "x": 0, "y": 5, "z": 12}, [("t", ["x", "y", "z"])])
    assert statuses(published) == {"t": SHOWN, "x": FEW, "y": SHOWN, "z": HIDDEN}


def test_two_small_cells_alone_are_not_enough():
    # 4 + 4 = 8 known: each is 4. A third cell is hidden.
    published = suppress({"t": 38, "x": 4, "y": 4, "z": 30}, [("t", ["x", "y", "z"])])
    assert statuses(published)["z"] == HIDDEN


def test_linked_groups_are_suppressed_until_stable():
    # A 2×2 table with margins: hiding a cell in its row forces one in its column, and so on.
    values = {
        ("a", 1): 3, ("a", 2): 30, ("b", 1): 40, ("b", 2): 50,
        ("a", "t"): 33, ("b", "t"): 90, ("t", 1): 43, ("t", 2): 80, ("t", "t"): 123,
    }  # fmt: skip
    groups = [
        (("a", "t"), [("a", 1), ("a", 2)]),
        (("b", "t"), [("b", 1), ("b", 2)]),
        (("t", 1), [("a", 1), ("b", 1)]),
        (("t", 2), [("a", 2), ("b", 2)]),
        (("t", "t"), [("a", "t"), ("b", "t")]),
        (("t", "t"), [("t", 1), ("t", 2)]),
    ]
    published = suppress(values, groups)
    hidden = {key for key, figure in published.items() if not figure.shown}
    assert ("a", 1) in hidden
    for total, parts in groups:  # no group with exactly one hidden cell
        assert len(hidden & {total, *parts}) != 1, total


def test_a_year_total_is_shown_only_when_every_month_is():
    values = {"jan": 30, "feb": 2, "mar": 40, "apr": 20}
    totals = {"q1": ["jan", "feb", "mar"], "q2": ["apr"], "tiny": ["feb"]}
    published = suppress(values, totals=totals)
    assert published["q1"] == Figure(None, HIDDEN)
    assert published["q2"] == Figure(20, SHOWN)
    assert published["tiny"] == Figure(None, FEW)


def test_groups_must_name_known_cells():
    with pytest.raises(KeyError):
        suppress({"t": 10}, [("t", ["nowhere"])])


def test_a_rate_needs_both_counts_shown():
    shown, few, hidden = Figure(20, SHOWN), Figure(None, FEW), Figure(None, HIDDEN)
    assert rate(Figure(5, SHOWN), shown) == Figure(0.25, SHOWN)
    assert rate(few, shown) == Figure(None, FEW)
    assert rate(shown, hidden) == Figure(None, HIDDEN)
    assert rate(Figure(0, SHOWN), Figure(0, SHOWN)).status == HIDDEN  # nothing to divide by


def test_unique_counts_only_beside_a_shown_count():
    assert unique_count(3, Figure(40, SHOWN)) == Figure(None, FEW)
    assert unique_count(12, Figure(40, SHOWN)) == Figure(12, SHOWN)
    assert unique_count(12, Figure(None, HIDDEN)) == Figure(None, HIDDEN)


def test_the_result_does_not_depend_on_anything_but_the_input():
    values = {("m", i): n for i, n in enumerate([3, 9, 9, 40, 2, 0, 17])}
    values["t"] = sum(values.values())
    groups = [("t", [k for k in values if k != "t"])]
    assert suppress(values, groups) == suppress(dict(values), list(groups))
