"""The event-study plot: the estimated difference by month relative to the opening, with 95 %
intervals as error bars, a zero line and the opening marked. An SVG with text as text
(svg.fonttype 'none'), a <title> and a <desc>; the page shows the same figures in a table."""

import io
import re
from html import escape

import matplotlib
from django.utils.translation import gettext as _
from matplotlib.figure import Figure

STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "nara-evaluation",  # the same figure gives the same file
    "font.family": "sans-serif",
    "font.size": 10,
}
BLUE, GREY = "#1f5c99", "#6b6b6b"


def event_study_svg(event, *, outcome, description=""):
    """SVG text for the event-study coefficients (did.estimate's ``event``)."""
    shown = [e for e in event if None not in (e["coef"], e["low"], e["high"])]
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(6.4, 3.6), layout="constrained")
        axes = figure.add_subplot()
        ks = [e["k"] for e in shown]
        coefs = [e["coef"] for e in shown]
        below = [e["coef"] - e["low"] for e in shown]
        above = [e["high"] - e["coef"] for e in shown]
        axes.axhline(0, color=GREY, linewidth=1)
        axes.axvline(-0.5, color=GREY, linewidth=1, linestyle="--")
        axes.errorbar(ks, coefs, yerr=[below, above], fmt="o", color=BLUE, capsize=3, ms=4)
        top = axes.get_ylim()[1]
        axes.annotate(_("opening"), (-0.4, top), va="top", ha="left", color=GREY)
        axes.set_xlabel(_("months relative to the opening (−1 = reference)"))
        axes.set_ylabel(_("difference"))
        axes.set_title(outcome, loc="left")
        axes.spines[["top", "right"]].set_visible(False)
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return _accessible(out.getvalue(), outcome, description)


def _accessible(svg, title, description):
    """Drop the XML prologue, scale to the page, make the picture an image with a title and a
    description."""
    svg = svg[svg.index("<svg") :]
    # As wide as the page allows (a 360-px phone too); the viewBox keeps the proportions.
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 width="100%"', svg, count=1)
    svg = re.sub(
        r"<svg ",
        '<svg role="img" aria-labelledby="es-title es-desc" ',
        svg,
        count=1,
    )
    head_end = svg.index(">") + 1
    label = _("Event study: %(outcome)s") % {"outcome": title}
    extra = (
        f'<title id="es-title">{escape(label)}</title>'
        f'<desc id="es-desc">{escape(description)}</desc>'
    )
    return svg[:head_end] + extra + svg[head_end:]
