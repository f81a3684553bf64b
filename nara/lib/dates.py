"""Day names shown to residents (public pages and reminders), translated through gettext."""

from django.utils.translation import gettext_lazy as _

WEEKDAY_NAMES = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]


def weekday_name(date):
    return WEEKDAY_NAMES[date.weekday()]
