"""Showing a dashboard cell: "–" for no value, "25 %" for a rate, numbers as the language writes
them."""

from django import template
from django.utils.formats import number_format

from nara.insights.dashboard import Percent

register = template.Library()


@register.filter
def figure(value):
    if value is None or value == "":
        return "–" if value is None else ""
    if isinstance(value, Percent):
        return f"{number_format(value, 0 if float(value).is_integer() else 1)} %"
    if isinstance(value, float):
        return number_format(value, 1, force_grouping=True)
    if isinstance(value, int) and not isinstance(value, bool):
        return number_format(value, 0, force_grouping=True)
    return value


@register.filter
def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)
