"""Showing a dashboard cell: "–" for no value, "25 %" for a rate, numbers as the language writes
them."""

from django import template
from django.utils import numberformat
from django.utils.formats import get_format, number_format
from django.utils.translation import get_language

from nara.insights.dashboard import Percent

register = template.Library()


def _show(value, number_format):
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
def figure(value):
    return _show(value, number_format)


def figure_writer():
    """figure() for the active language, its number formats looked up once: a city's tables
    have thousands of cells, and Django's number_format looks them up for every number."""
    language = get_language()
    decimal, grouping, thousands = (
        get_format(name, language, use_l10n=True)
        for name in ("DECIMAL_SEPARATOR", "NUMBER_GROUPING", "THOUSAND_SEPARATOR")
    )

    def django_format(value, decimal_pos=None, force_grouping=False):
        return numberformat.format(
            value,
            decimal,
            decimal_pos,
            grouping,
            thousands,
            force_grouping=force_grouping,
            use_l10n=True,
        )

    if grouping != 3:
        return lambda value: _show(value, django_format)

    def grouped(digits):
        return f"{int(digits):,}".replace(",", thousands)

    def formatted(value, decimal_pos=None, force_grouping=False):
        """Django's numberformat.format for the plain cases, without its per-digit loop: the
        digits as str() writes them, decimals cut (not rounded) to decimal_pos, groups of 3."""
        text = str(value)
        if not force_grouping or "e" in text or "n" in text:  # exponents, inf and nan
            return django_format(value, decimal_pos, force_grouping)
        sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
        whole, _point, fraction = text.partition(".")
        if not decimal_pos:
            return sign + grouped(whole)
        fraction = fraction[:decimal_pos].ljust(decimal_pos, "0")
        return f"{sign}{grouped(whole)}{decimal}{fraction}"

    return lambda value: _show(value, formatted)


@register.filter
def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)
