from django import template
from django.conf import settings
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import get_language, get_language_bidi, get_language_info
from django.utils.translation import gettext as _
from i18nfield.strings import LazyI18nString

from nara.lib.dates import weekday_name
from nara.lib.languages import language_names

register = template.Library()


@register.filter(name="language_names")
def language_names_filter(codes):
    return language_names(codes)


@register.filter
def weekday(date):
    return weekday_name(date)


@register.filter
def hhmm(time):
    return time.strftime("%H:%M")


@register.filter
def day_month(date):
    return f"{date.day}/{date.month}"


@register.simple_tag
def open_status(status):
    if status.is_open:
        text = _("Open now, until %(time)s") % {"time": hhmm(status.closes_at)}
        return format_html('<p class="status open">{}</p>', text)
    if status.dropin_until:
        text = _("Drop-in now, until %(time)s: come without booking.") % {
            "time": hhmm(status.dropin_until)
        }
        return format_html('<p class="status open">{}</p>', text)
    next_opening = status.next_opening
    if next_opening:
        text = _("Closed now. Opens %(day)s %(date)s at %(time)s") % {
            "day": weekday(next_opening),
            "date": day_month(next_opening),
            "time": hhmm(next_opening),
        }
        return format_html('<p class="status closed">{}</p>', text)
    return format_html('<p class="status closed">{}</p>', _("Closed now."))


def _source_language(data, wanted, text):
    """The language whose text LazyI18nString.localize() returned for `wanted`."""
    if data.get(wanted):
        return wanted
    if data.get(settings.LANGUAGE_CODE) == text:
        return settings.LANGUAGE_CODE
    return next((code for code, value in data.items() if value == text), settings.LANGUAGE_CODE)


@register.filter
def in_language(value):
    """An i18n field in the page's language; a fallback is marked with the language it is in.

    Screen readers pronounce it right and bidi keeps Swedish text left-to-right on an
    Arabic page.
    """
    if not isinstance(value, LazyI18nString) or not isinstance(value.data, dict):
        return value or ""
    wanted = get_language() or settings.LANGUAGE_CODE
    text = value.localize(wanted)
    source = _source_language(value.data, wanted, text)
    if not text or source == wanted:
        return text
    direction = "rtl" if get_language_info(source)["bidi"] else "ltr"
    if direction == ("rtl" if get_language_bidi() else "ltr"):
        return format_html('<span lang="{}">{}</span>', source, text)
    return format_html('<bdi lang="{}" dir="{}">{}</bdi>', source, direction, text)


@register.simple_tag
def figure(cell):
    """A published count (nara.insights.suppression.Figure): the number, or why it is not shown."""
    if cell is None:
        return ""
    if cell.status == "shown":
        return format_html("<bdi>{}</bdi>", number_format(cell.value, force_grouping=True))
    if cell.status == "few":
        return format_html('<span class="few">{}</span>', _("fewer than 5"))
    return format_html('<span class="hidden-figure">{}</span>', _("not shown"))


@register.simple_tag
def share(cell):
    """A published rate as a whole percentage, or "not shown"."""
    if cell is None:
        return ""
    if cell.status != "shown":
        return format_html('<span class="hidden-figure">{}</span>', _("not shown"))
    text = _("%(percent)d%%") % {"percent": round(100 * cell.value)}
    return format_html("<bdi>{}</bdi>", text)
