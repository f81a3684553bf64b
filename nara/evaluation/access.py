"""Who may evaluate, and the one way evaluation views get their objects. Deny by default.

Analysts and administrators evaluate and import series for the whole municipality; a centre
manager reads the saved evaluations whose treated areas lie in a catchment of their centres,
and imports nothing.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from nara.core import access
from nara.core.models import Role

from .models import Evaluation

EVALUATORS = (Role.ANALYST, Role.ADMINISTRATOR)
READERS = (*EVALUATORS, Role.CENTRE_MANAGER)


def is_evaluator(user):
    return access.has_role(user, *EVALUATORS)


def require_evaluator(user):
    if not is_evaluator(user):
        raise PermissionDenied


def visible_evaluations(user):
    evaluations = Evaluation.objects.select_related("municipality", "created_by")
    if is_evaluator(user):
        return evaluations
    if not access.has_role(user, Role.CENTRE_MANAGER):
        return evaluations.none()
    managed = access.manageable_centres(user)
    return evaluations.filter(centres__in=managed).distinct()


def get_evaluation(user, pk):
    if not Evaluation.objects.filter(pk=pk).exists():
        raise Http404
    evaluation = visible_evaluations(user).filter(pk=pk).first()
    if evaluation is None:
        raise PermissionDenied
    return evaluation
