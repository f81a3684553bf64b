"""Distance matrices and the need index."""

import io

import numpy as np
import pytest

from nara.planning.solver import (
    Indicator,
    IndicatorError,
    TravelTimeMatrixError,
    load_travel_matrix,
    need_index,
    need_weighted_population,
    straight_line_matrix,
)


def test_straight_line_matrix_in_metres():
    matrix = straight_line_matrix([[0, 0], [3, 4]], [[0, 0], [6, 8]])
    assert matrix.tolist() == [[0, 10], [5, 5]]


def csv_text(rows):
    return io.StringIO("origin,destination,value\n" + "\n".join(rows) + "\n")


def test_travel_matrix_loads_complete_file():
    rows = [f"{a},{s},{i * 2 + j}" for i, a in enumerate("AB") for j, s in enumerate(["s1", "s2"])]
    matrix = load_travel_matrix(csv_text(rows), ["A", "B"], ["s1", "s2"])
    assert matrix.tolist() == [[0, 1], [2, 3]]


def test_missing_pairs_are_named():
    rows = ["A,s1,3", "B,s2,4"]
    with pytest.raises(TravelTimeMatrixError) as error:
        load_travel_matrix(csv_text(rows), ["A", "B"], ["s1", "s2"])
    assert "A → s2" in str(error.value) and "B → s1" in str(error.value)
    assert set(error.value.missing_pairs) == {("A", "s2"), ("B", "s1")}


def test_missing_pairs_message_shows_first_five_and_counts():
    with pytest.raises(TravelTimeMatrixError, match="lacks 12 of the 12.*and 7 more"):
        load_travel_matrix(csv_text([]), list("ABCD"), ["x", "y", "z"])


@pytest.mark.parametrize("value", ["abc", "-3", "inf"])
def test_bad_values_are_named(value):
    rows = ["A,s1,1", f"A,s2,{value}"]
    with pytest.raises(TravelTimeMatrixError, match=f"line 3: A → s2 has '{value}'"):
        load_travel_matrix(csv_text(rows), ["A"], ["s1", "s2"])


def test_missing_column_is_named():
    with pytest.raises(TravelTimeMatrixError, match="missing: value"):
        load_travel_matrix(io.StringIO("origin,destination\nA,s1\n"), ["A"], ["s1"])


def test_need_index_standardises_and_inverts():
    areas = ["a", "b", "c"]
    values = {"support": [1.0, 2.0, 3.0], "income": [300, 200, 100]}
    result = need_index(areas, values, [Indicator("support"), Indicator("income", 1.0, False)])
    z = (np.array([1, 2, 3]) - 2) / np.std([1, 2, 3])
    assert np.allclose(result.z_scores["support"], z)
    assert np.allclose(result.z_scores["income"], z)  # lower income = more need
    assert np.allclose(result.index, z)
    total = result.contributions["support"] + result.contributions["income"]
    assert np.allclose(total, result.index)


def test_need_index_weights_and_missing_values():
    areas = ["a", "b", "c", "d"]
    values = {"x": [1, None, 3, ""], "y": [0, 0, 0, 0]}
    result = need_index(areas, values, [Indicator("x", 3.0), Indicator("y", 1.0)])
    assert result.imputed["x"] == ("b", "d")
    assert result.contributions["x"][1] == 0 and result.contributions["y"].tolist() == [0] * 4
    assert result.index[0] == pytest.approx(0.75 * -1.0)


def test_non_numeric_indicator_names_area_and_indicator():
    with pytest.raises(IndicatorError, match="Area 0581C1010: the value of indicator 'neet'"):
        need_index(["0581C1000", "0581C1010"], {"neet": ["4,5", "n/a"]}, [Indicator("neet")])


def test_need_weighted_population():
    weights = need_weighted_population([100, 100, 100], [-1.0, 0.0, 1.0])
    assert weights.tolist() == [100, 150, 200]
