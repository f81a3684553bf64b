"""Formatting for planning pages: solver status in words, shares, money and distances."""

import re

from django import template
from django.utils.translation import gettext_lazy as _

from nara.lib.indicators import indicator_label

CANDIDATE_KINDS = {"area": _("area point"), "centre": _("existing centre"), "base": _("base")}

register = template.Library()

STATES = {
    "queued": _("waiting to be computed"),
    "computing": _("computing"),
    "failed": _("failed"),
}
WITHIN = re.compile(r"^within ([0-9.]+) % of optimal$")


@register.filter
def plan_status(status):
    """The solver's status ("optimal", "within X % of optimal") in the user's language; for a
    scenario not computed (yet), its state."""
    if status == "optimal":
        return _("optimal")
    if status in STATES:  # not computed (yet): the scenario's state
        return STATES[status]
    match = WITHIN.match(status or "")
    if match:
        return _("within %(gap)s %% of optimal") % {"gap": match.group(1).replace(".", ",")}
    return status or "–"


def _grouped(number, decimals=0):
    text = f"{number:,.{decimals}f}"
    return text.replace(",", "\u00a0").replace(".", ",")


@register.filter
def number(value, decimals=0):
    if value is None or value == "":
        return "–"
    return _grouped(float(value), int(decimals))


@register.filter
def share(value):
    if value in (None, ""):
        return "–"
    return f"{_grouped(float(value) * 100, 1)}\u00a0%"


@register.filter
def distance(value, unit="m"):
    if value in (None, ""):
        return "–"
    if unit == "m":
        return f"{_grouped(float(value) / 1000, 2)}\u00a0km"
    return _grouped(float(value), 1)


@register.filter
def sek(value):
    if value in (None, ""):
        return "–"
    return f"{_grouped(float(value))}\u00a0kr"


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key)


@register.filter
def indicator(name):
    """An indicator's label in the user's language."""
    return indicator_label(name)


@register.filter
def candidate_kind(kind):
    """Where a candidate comes from, in words; an imported kind is shown as it was imported."""
    return str(CANDIDATE_KINDS.get(kind, kind))
