"""Who may plan, and the one way planning views get their objects. Deny by default.

Planning is for analysts and administrators. Their roles are not tied to a centre, so they plan
for the municipalities of the installation (normally one); a scenario is only ever shown,
compared or exported together with scenarios of its own municipality.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from nara.core import access
from nara.core.models import Municipality, Role

from .models import Scenario

PLANNERS = (Role.ANALYST, Role.ADMINISTRATOR)


def require_planner(user):
    if not access.has_role(user, *PLANNERS):
        raise PermissionDenied


def planning_municipalities(user):
    require_planner(user)
    return Municipality.objects.order_by("id")


def get_municipality(user, code=None):
    """The municipality asked for by code, or the installation's first one with areas."""
    municipalities = planning_municipalities(user)
    if code:
        if "\x00" in code:  # no code has one, and PostgreSQL cannot even compare it
            raise Http404
        found = municipalities.filter(code=code).first()
        if found is None:
            raise Http404
        return found
    found = municipalities.filter(areas__isnull=False).distinct().first()
    if found is None:
        found = municipalities.first()
    if found is None:
        raise Http404
    return found


def get_scenario(user, pk):
    scenario = Scenario.objects.select_related("municipality").filter(pk=pk).first()
    if scenario is None:
        raise Http404
    if not planning_municipalities(user).filter(pk=scenario.municipality_id).exists():
        raise PermissionDenied
    return scenario


def get_scenarios(user, pks):
    """Several scenarios by id, all of one municipality (404 if any is missing)."""
    scenarios = [get_scenario(user, pk) for pk in dict.fromkeys(pks)]
    if len({s.municipality_id for s in scenarios}) > 1:
        raise PermissionDenied
    return scenarios
