from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nara.lib.languages import language_names

register = template.Library()


@register.filter(name="language_names")
def language_names_filter(codes):
    return language_names(codes)


WEEKDAYS = [
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
]


@register.filter
def weekday(date):
    return WEEKDAYS[date.weekday()]


@register.filter
def hhmm(time):
    return time.strftime("%H:%M")


@register.filter
def day_month(date):
    return f"{date.day}/{date.month}"


@register.simple_tag
def open_status(status):
    is_open, closes_at, next_opening = status
    if is_open:
        text = _("Open now, until %(time)s") % {"time": hhmm(closes_at)}
        return format_html('<p class="status open">{}</p>', text)
    if next_opening:
        text = _("Closed now. Opens %(day)s %(date)s at %(time)s") % {
            "day": weekday(next_opening),
            "date": day_month(next_opening),
            "time": hhmm(next_opening),
        }
        return format_html('<p class="status closed">{}</p>', text)
    return format_html('<p class="status closed">{}</p>', _("Closed now."))
