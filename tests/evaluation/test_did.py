"""The difference-in-differences against data with a known planted effect (no database)."""

import datetime as dt

import numpy as np
import pytest
from django.utils import translation

from nara.evaluation import conclusions, did


def month(i):
    return dt.date(2022 + i // 12, i % 12 + 1, 1)


def synthetic(
    *,
    treated_openings,
    comparison=8,
    months=36,
    effect=0.0,
    pre_trend=0.0,
    noise=1.0,
    seed=1,
):
    """Rows of areas with their own level, a common trend and season, and noise. Treated area
    i opens at month treated_openings[i]; from then on its values move by ``effect``. With
    ``pre_trend`` the treated areas drift by that much per month before they open."""
    rng = np.random.default_rng(seed)
    rows, treated = [], {}
    areas = len(treated_openings) + comparison
    for area in range(areas):
        level = rng.normal(10, 2)
        opening = treated_openings[area] if area < len(treated_openings) else None
        if opening is not None:
            treated[area] = month(opening)
        for i in range(months):
            value = level + 0.05 * i + 0.5 * np.sin(i / 12 * 2 * np.pi) + rng.normal(0, noise)
            if opening is not None:
                value += effect if i >= opening else pre_trend * (i - opening)
            rows.append((area, month(i), value))
    design = did.Design(treated, frozenset(range(len(treated_openings), areas)))
    return rows, design


def test_a_planted_effect_is_recovered_within_its_interval():
    rows, design = synthetic(treated_openings=[18] * 6, effect=-2.0)
    result = did.estimate(rows, design)
    assert result["low"] <= -2.0 <= result["high"]
    assert result["high"] < 0, "the interval excludes zero"
    assert abs(result["estimate"] + 2.0) < 0.6
    assert result["pretrend"]["tested"] and result["pretrend"]["p_value"] > 0.05
    assert result["treated_areas"] == 6 and result["comparison_areas"] == 8
    assert result["months_before"] == 18 and result["months_after"] == 18
    reference = next(e for e in result["event"] if e["k"] == -1)
    assert reference["coef"] == 0.0
    post = [e for e in result["event"] if e["k"] >= 0]
    assert all(e["low"] <= e["coef"] <= e["high"] for e in post)


def test_no_effect_gives_an_interval_over_zero_and_says_no_effect_can_be_shown():
    rows, design = synthetic(treated_openings=[18] * 6, effect=0.0, seed=3)
    result = did.estimate(rows, design)
    assert result["low"] < 0 < result["high"]
    with translation.override("en"):
        assessment = conclusions.assess({**result, "outcome": "reports_of_concern"})
    assert assessment.can_conclude
    assert assessment.sentences[0].startswith("No effect can be shown")
    assert "does not show that there was no effect" in assessment.sentences[0]


def test_a_trend_before_the_opening_is_detected_and_blocks_the_conclusion():
    rows, design = synthetic(treated_openings=[20] * 8, comparison=10, pre_trend=0.25)
    result = did.estimate(rows, design)
    assert result["pretrend"]["tested"]
    assert result["pretrend"]["p_value"] < 0.05
    with translation.override("en"):
        assessment = conclusions.assess({**result, "outcome": "placements_external"})
    assert not assessment.can_conclude
    assert assessment.sentences[0].startswith("No conclusion can be drawn")
    assert any("developed differently" in s for s in assessment.problems)


def test_staggered_openings_are_compared_with_never_treated_areas_only():
    rows, design = synthetic(
        treated_openings=[12, 12, 18, 18, 24, 24], effect=-2.0, noise=0.7, seed=3
    )
    result = did.estimate(rows, design)
    assert result["openings"] == 3
    assert result["low"] <= -2.0 <= result["high"] < 0
    assert result["months_before"] == 12 and result["months_after"] == 12
    with translation.override("en"):
        notes = conclusions.assess({**result, "outcome": "investigations"}).notes
    assert any("3 different dates" in n and "never had a centre" in n for n in notes)


def test_too_few_months_and_areas_are_said_plainly():
    rows, design = synthetic(treated_openings=[4], comparison=3, months=8, effect=-2.0)
    result = did.estimate(rows, design)
    with translation.override("en"):
        assessment = conclusions.assess({**result, "outcome": "investigations"})
        one_comparison = conclusions.problems_of({**result, "comparison_areas": 1})
    text = " ".join(assessment.problems)
    assert "Only 4 months before the opening" in text
    assert "Only 4 months from the opening on" in text
    assert "Only 1 treated area" in text
    assert any("Only 1 comparison area" in p for p in one_comparison)
    assert not assessment.can_conclude
    assert assessment.shows_estimate  # with its interval, under the refusal


def test_one_treated_and_one_comparison_area_cannot_be_estimated():
    rows, design = synthetic(treated_openings=[4], comparison=1, months=8)
    with pytest.raises(did.EstimationError) as refused:
        did.estimate(rows, design)
    assert refused.value.code == "not_identified"


def test_the_estimate_is_never_given_without_its_interval():
    rows, design = synthetic(treated_openings=[18] * 3, comparison=3)
    result = did.estimate(rows, design)
    broken = {**result, "low": None, "outcome": "investigations"}
    with translation.override("en"):
        assessment = conclusions.assess(broken)
    assert not assessment.shows_estimate
    assert "no estimate is shown" in " ".join(assessment.problems)


@pytest.mark.parametrize(
    ("openings", "months", "code"),
    [([40], 36, "no_months_after"), ([0], 36, "no_months_before")],
)
def test_an_impossible_design_is_refused_with_a_reason(openings, months, code):
    rows, design = synthetic(treated_openings=openings, months=months)
    with pytest.raises(did.EstimationError) as refused:
        did.estimate(rows, design)
    assert refused.value.code == code


def test_no_comparison_data_is_refused():
    rows, design = synthetic(treated_openings=[18, 18], comparison=2)
    rows = [r for r in rows if r[0] in design.treated]
    with pytest.raises(did.EstimationError) as refused:
        did.estimate(rows, design)
    assert refused.value.code == "no_comparison_data"
