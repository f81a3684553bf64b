"""The committee report: one printable A4 page for the whole service or one centre, in Swedish,
made from a dashboard's figures (dashboard.py, kpis*.py): key figures, the support-offer funnel,
contacts month by month against a year earlier, the latest evaluation and the cost.

The views are in report_views.py; this module only gathers what the page shows. Every figure is
an aggregate: no person appears.
"""

import datetime as dt

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from . import charts
from .dashboard import percent
from .rollups import month_of

REPORT_MONTHS = 12
# Chart sizes in inches, about the size they print at, so their text prints at its own size.
PRINT_TREND = (4.6, 2.3)
PRINT_FUNNEL_WIDTH = 3.6


def last_complete_months(today, n=REPORT_MONTHS):
    """The default period: the last `n` whole months before the current one."""
    last = month_of(month_of(today) - dt.timedelta(days=1))
    first = last
    for _i in range(n - 1):
        first = month_of(first - dt.timedelta(days=1))
    return first, last


# The evaluation --------------------------------------------------------------------------


def evaluation_result(centre=None):
    """The latest evaluation to show, or None. The one place that knows the evaluation app
    (nara/evaluation/summary.py, built apart): a missing module, no summary, or a summary
    without its 95 % interval all read as "no evaluation", never as an estimate alone."""
    try:
        from nara.evaluation.summary import latest_summary
    except ImportError:
        return None
    summary = latest_summary(centre=centre)
    if not summary:
        return None
    numbers = [summary.get(key) for key in ("estimate", "ci_low", "ci_high")]
    if any(value is None for value in numbers):
        return None
    estimate, low, high = (float(value) for value in numbers)
    return {
        "name": summary.get("name") or "",
        "outcome": summary.get("outcome") or "",
        "estimate": estimate,
        "ci_low": low,
        "ci_high": high,
        "conclusions": [str(line) for line in summary.get("conclusions") or []],
        "svg": summary.get("svg") or "",
        "created_at": summary.get("created_at"),
    }


def evaluations_url():
    """Where evaluations are made, or None while that page does not exist."""
    try:
        return reverse("workspace:evaluations")
    except NoReverseMatch:
        return None


# The page ---------------------------------------------------------------------------------


def key_figures(dashboard):
    """[(label, value, note)]: the figures the committee asks for first."""
    c, r, o = dashboard.contacts(), dashboard.reach(), dashboard.offers()
    b = dashboard.bookings()
    incomplete = "" if r["complete"] else _("incomplete: the period reaches into purged months")
    return [
        (_("Contacts"), c["contacts"], ""),
        (_("First-time visitors"), c["first_contacts"], ""),
        (_("Unique people reached"), r["people"], incomplete),
        (_("Unique households reached"), r["households"], incomplete),
        (_("Unique aliases reached"), r["aliases"], incomplete),
        (
            _("Share previously unknown to social services"),
            percent(c["previously_unknown_share"]),
            _("of the contacts where it was stated"),
        ),
        (_("Acceptance rate"), percent(o["acceptance_rate"]), _("accepted / decided")),
        (_("No-show rate"), percent(b["no_show_rate"]), _("no-shows / (attended + no-shows)")),
        (_("No-show rate with a reminder"), percent(b["with_reminder"]["no_show_rate"]), ""),
        (_("No-show rate without a reminder"), percent(b["without_reminder"]["no_show_rate"]), ""),
        (_("Escalations"), dashboard.escalations()["escalations"], ""),
    ]


def trend(dashboard):
    """Contacts per month of the period and a year earlier, for the table under the chart."""
    this, last = dashboard.years()
    return {
        "labels": (_("This period"), _("A year earlier")),
        "table": [
            (now["month"], now["contacts"], before["contacts"])
            for now, before in zip(this, last, strict=True)
        ],
    }


def cost(dashboard):
    figures = dashboard.cost()
    annual = [c["annual_budget_sek"] for c in dashboard.centres if c["annual_budget_sek"]]
    return {**figures, "annual": sum(annual) if annual else None}


def drawn_charts(dashboard):
    kind, data = dashboard.trend_chart(names=(_("This period"), _("A year earlier")))
    data = {
        **data,
        "size": PRINT_TREND,
        "desc": _(
            "Contacts per month, this period against the same months a year earlier; "
            "the numbers are in the table beside the chart."
        ),
    }
    funnel_kind, funnel = dashboard.funnel_chart()
    funnel = {
        **funnel,
        "width": PRINT_FUNNEL_WIDTH,
        "desc": _("From offered to completed; each bar carries its number."),
    }
    return charts.render_many({"trend": (kind, data), "funnel": (funnel_kind, funnel)})


def context(scope, *, centre, today):
    """Everything the report template shows, for a dashboard Scope."""
    dashboard = scope.dashboard
    evaluation, choose_a_centre = _evaluation(scope, centre)
    return {
        "centre": centre,
        "municipality": scope.municipality,
        "centres": scope.in_scope,
        "whole_service": centre is None,
        "filters": scope.filters,
        "made_on": today,
        "figures": key_figures(dashboard),
        "funnel": dashboard.funnel_steps(),
        "trend": trend(dashboard),
        "charts": drawn_charts(dashboard),
        "evaluation": evaluation,
        "choose_a_centre": choose_a_centre,
        "evaluations_url": evaluations_url(),
        "cost": cost(dashboard),
    }


def _evaluation(scope, centre):
    """(evaluation or None, whether to ask for one centre): a manager's report on her several
    centres shows no evaluation of the whole service, which covers centres she does not lead."""
    from nara.core.models import Center

    from .dashboard_views import sees_every_centre

    if centre is not None or sees_every_centre(scope.request.user):
        return evaluation_result(centre), False
    if len(scope.in_scope) == 1:
        return evaluation_result(Center.objects.get(pk=scope.in_scope[0]["pk"])), False
    return None, bool(scope.in_scope)
