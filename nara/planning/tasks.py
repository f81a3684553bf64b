"""Planning's background work on the database queue: computing a saved scenario (ids only).

Run by ``manage.py run_worker``. The web request only checks the input and queues the scenario
(nara/planning/actions.py ``do_queue_scenario``), so the solver gets the model's full time limit
(nara/planning/services.py: 20 s for maximal covering and p-median, 180 s for capacitated
catchments) instead of what a web request can wait.
"""

import logging

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def solve_scenario(scenario_id):
    """Compute one scenario, once however often this task runs."""
    return compute(scenario_id)


def compute(scenario_id):
    """Claim the scenario, solve it with its saved settings, store the plan or the failure.

    Returns what happened, for the task's result row: "done", "failed" or "skipped (…)"."""
    from . import actions, plans, services

    scenario, attempt = actions.do_start_scenario(scenario_id=scenario_id)
    if scenario is None:
        return f"skipped ({attempt})"
    language = scenario.language or settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            request = plans.PlanRequest.from_parameters(
                scenario.parameters, travel_matrix=scenario.travel_matrix
            )
            results = plans.run_plan(scenario.municipality, request)
        except services.PlanInputError as exc:
            message = exc.message
        except Exception:  # never a traceback for people: logged for the administrator
            logger.exception("Planning scenario %s could not be computed", scenario_id)
            message = _(
                "The plan could not be computed because of an error in Nära. The error is "
                "logged for the administrator; run it again, and tell the administrator if it "
                "happens again."
            )
        else:
            stored = actions.do_finish_scenario(
                scenario_id=scenario_id, attempt=attempt, results=results
            )
            return "done" if stored else "skipped (run again meanwhile)"
        stored = actions.do_fail_scenario(
            scenario_id=scenario_id, attempt=attempt, message=str(message)
        )
        return "failed" if stored else "skipped (run again meanwhile)"


def configuration_problems():
    """Warnings for run_worker: a stale time shorter than a solve would let a rerun overtake
    a worker that is still computing (its late result is then dropped, not stored twice)."""
    from . import services

    longest = max(services.DEFAULT_TIME_LIMIT, services.DEFAULT_CATCHMENTS_TIME_LIMIT)
    stale = int(getattr(settings, "NARA_PLANNING_STALE_SECONDS", 300))
    if stale <= longest:
        return [
            f"NARA_PLANNING_STALE_SECONDS ({stale}) is not above the longest planning time "
            f"limit ({longest:g} s): a scenario still computing could be run again."
        ]
    return []
