"""Day names shown to residents (public pages and reminders), translated through gettext."""

import datetime as dt

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


def next_working_day(date):
    """The first Monday–Friday after `date`. Public holidays are not known here (no holiday
    calendar is installed), so a task can still fall due on, say, Midsummer Eve."""
    following = date + dt.timedelta(days=1)
    while following.weekday() >= 5:
        following += dt.timedelta(days=1)
    return following
