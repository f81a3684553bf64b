"""The staff menu: a link only for those whom the linked view lets in.

Each staff view carries the roles its decorator checks (``nara_access``); the menu asks the
same question, so a link can never lead to a 403 page.
"""

from django.urls import resolve, reverse
from django.utils.translation import gettext_lazy as _

from nara.core import access

MENU = [
    ("workspace:centres", _("Centres")),
    ("workspace:people", _("People")),
    ("workspace:meetings", _("Meetings")),
    ("workspace:referrals", _("Referrals")),
    ("workspace:outreach", _("Outreach")),
    ("workspace:groups", _("Groups")),
    ("workspace:services", _("Services")),
    ("workspace:partners", _("Partners")),
    ("workspace:log-review", _("Log review")),
    ("workspace:insights", _("Insights")),
    ("workspace:planning", _("Planning")),
    ("workspace:users", _("Staff accounts")),
]


def may_open(user, url_name):
    """True when the view behind url_name (without arguments) lets the user in."""
    required = getattr(resolve(reverse(url_name)).func, "nara_access", None)
    if required is None or not access.roles(user):
        return False
    return required == "any-staff" or access.has_role(user, *required)


def menu_links(user):
    return [(reverse(name), label) for name, label in MENU if may_open(user, name)]
