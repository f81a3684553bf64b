"""An evaluation's result for other pages (the committee report): the latest one, or one."""

from django.urls import reverse
from django.utils.translation import gettext as _

from . import conclusions, plots, series
from .models import Evaluation


def latest_summary(centre=None):
    """The latest saved evaluation (of those concerning ``centre`` when given) as a dict:
    name, outcome, estimate with its 95 % interval (None when there is no interval),
    conclusion sentences, notes, the event-study SVG and the coefficients; None if none."""
    evaluations = Evaluation.objects.all()
    if centre is not None:
        evaluations = evaluations.filter(centres=centre)
    evaluation = evaluations.order_by("-created_at", "-pk").first()
    return summarise(evaluation) if evaluation else None


def summarise(evaluation):
    result = evaluation.result
    assessment = conclusions.assess(result)
    outcome = series.outcome_label(evaluation.outcome)
    shows = assessment.shows_estimate
    return {
        "id": evaluation.pk,
        "name": evaluation.name,
        "url": reverse("workspace:evaluation", args=[evaluation.pk]),
        "created_at": evaluation.created_at,
        "outcome": outcome,
        "period": (evaluation.period_start, evaluation.period_end),
        "estimate": result["estimate"] if shows else None,
        "interval": (result["low"], result["high"]) if shows else None,
        "can_conclude": assessment.can_conclude,
        "conclusions": assessment.sentences,
        "notes": assessment.notes,
        "pretrend_p": result["pretrend"].get("p_value"),
        "treated_areas": result["treated_areas"],
        "comparison_areas": result["comparison_areas"],
        "event": [{**e, "label": month_label(e["k"], result["window"])} for e in result["event"]],
        "svg": plots.event_study_svg(
            result["event"], outcome=outcome, description=describe(result)
        ),
    }


def describe(result):
    """The plot's description for screen readers (the table beside it has every figure)."""
    return _(
        "Estimated difference between treated and comparison areas for each month from "
        "%(first)d to %(last)d relative to the opening, with 95 %% intervals; month −1 is the "
        "reference and is 0 by definition."
    ) % {
        "first": min(e["k"] for e in result["event"]),
        "last": max(e["k"] for e in result["event"]),
    }


def month_label(k, window):
    """−12 → "≤ −12" (the end bins hold every earlier or later month), −1 → the reference."""
    text = str(k).replace("-", "\u2212")
    if k == -1:
        return _("%(k)s (reference)") % {"k": text}
    if k == -window:
        return f"\u2264 {text}"
    if k == window:
        return f"\u2265 {text}"
    return text
