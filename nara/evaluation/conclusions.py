"""What an evaluation's result lets one conclude, in plain sentences (Swedish first).

Refusals: fewer than 6 months with data before or after the opening, fewer than 2 treated or
comparison areas, trends before the opening that were not parallel (pre-trend test p < 0.05),
or a pre-trend that could not be tested: then no conclusion is drawn. An interval that crosses
zero means "no effect can be shown", never "no effect". An estimate is never shown without
its 95 % interval.
"""

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import did, series

PRETREND_ALPHA = 0.05


@dataclass
class Assessment:
    sentences: list  # the headline first
    problems: list  # why no conclusion can be drawn (empty when one can)
    notes: list  # what every reader should know
    shows_estimate: bool  # False when there is no interval

    @property
    def can_conclude(self):
        return not self.problems


def number(value, digits=2):
    return number_format(round(value, digits), decimal_pos=digits)


def problems_of(result):
    problems = []
    before, after = result["months_before"], result["months_after"]
    if before < did.MIN_MONTHS:
        problems.append(
            ngettext(
                "Only %(n)d month before the opening has data; at least %(min)d are needed to "
                "see how the areas developed before.",
                "Only %(n)d months before the opening have data; at least %(min)d are needed to "
                "see how the areas developed before.",
                before,
            )
            % {"n": before, "min": did.MIN_MONTHS}
        )
    if after < did.MIN_MONTHS:
        problems.append(
            ngettext(
                "Only %(n)d month from the opening on has data; at least %(min)d are needed.",
                "Only %(n)d months from the opening on have data; at least %(min)d are needed.",
                after,
            )
            % {"n": after, "min": did.MIN_MONTHS}
        )
    for key, message in (
        ("treated_areas", _("Only %(n)d treated area(s); at least %(min)d are needed.")),
        ("comparison_areas", _("Only %(n)d comparison area(s); at least %(min)d are needed.")),
    ):
        if result[key] < did.MIN_AREAS:
            problems.append(message % {"n": result[key], "min": did.MIN_AREAS})
    pretrend = result["pretrend"]
    if not pretrend.get("tested"):
        problems.append(
            _("Whether the areas developed alike before the opening could not be tested.")
        )
    elif pretrend["p_value"] < PRETREND_ALPHA:
        problems.append(
            _(
                "Before the opening the treated areas already developed differently from the "
                "comparison areas (pre-trend test p = %(p)s): the comparison areas do not show "
                "what would have happened without the centre."
            )
            % {"p": number(pretrend["p_value"], 3)}
        )
    return problems


def assess(result):
    outcome = series.outcome_label(result.get("outcome", ""))
    estimate, low, high = result.get("estimate"), result.get("low"), result.get("high")
    shows = None not in (estimate, low, high)
    problems = problems_of(result)
    if not shows:
        problems.append(_("The interval cannot be computed with these data; no estimate is shown."))
    values = {
        "outcome": outcome,
        "estimate": number(estimate) if shows else "–",
        "size": number(abs(estimate)) if shows else "–",
        "low": number(low) if shows else "–",
        "high": number(high) if shows else "–",
    }
    if problems:
        headline = _(
            "No conclusion can be drawn about the effect on %(outcome)s from these data."
        ) % {"outcome": outcome}
    elif low <= 0 <= high:
        headline = (
            _(
                "No effect can be shown. Compared with the comparison areas, %(outcome)s changed "
                "by %(estimate)s after the opening, but the 95 %% interval (%(low)s to "
                "%(high)s) includes zero. This does not show that there was no effect: the data "
                "cannot tell either way."
            )
            % values
        )
    elif estimate < 0:
        headline = (
            _(
                "After the opening, %(outcome)s was on average %(size)s lower in the treated "
                "areas than the comparison areas' development would suggest (95 %% interval "
                "%(low)s to %(high)s)."
            )
            % values
        )
    else:
        headline = (
            _(
                "After the opening, %(outcome)s was on average %(size)s higher in the treated "
                "areas than the comparison areas' development would suggest (95 %% interval "
                "%(low)s to %(high)s)."
            )
            % values
        )
    notes = []
    if result.get("openings", 1) > 1:
        notes.append(
            _(
                "The treated areas opened at %(n)d different dates. Each is compared only with "
                "areas that never had a centre, never with areas that opened earlier or later."
            )
            % {"n": result["openings"]}
        )
    notes.append(
        _(
            "The estimate assumes that the treated areas would have developed like the "
            "comparison areas without the centre. It shows a difference that goes with the "
            "opening, not proof that the centre caused it."
        )
    )
    return Assessment([headline, *problems], problems, notes, shows)
