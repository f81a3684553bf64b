from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

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
