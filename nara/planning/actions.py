"""Planning writes: scenarios, candidate sites, applying a scenario.

Keyword-only, one transaction, audited.

A scenario saved on the planning pages is computed by the worker (nara/planning/tasks.py):
``do_queue_scenario`` saves it and puts a task on the queue in the same transaction (the
database queue commits both or neither); the task claims it (``do_start_scenario``), solves
outside any transaction and stores the plan (``do_finish_scenario``) or a failure in words
(``do_fail_scenario``). Every step checks the state under a row lock (select_for_update), so a
task picked up twice solves once, and a late worker whose scenario was run again meanwhile
stores nothing. ``do_rerun_scenario`` queues a failed scenario again, or one stuck longer than
NARA_PLANNING_STALE_SECONDS (its worker has probably died).
"""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from nara.core import audit, content_version
from nara.core.models import Area, CatchmentMembership, Center
from nara.core.models.centers import new_centre_code

from .apply import preview
from .models import CandidateSite, CatchmentSnapshot, Scenario


def do_create_scenario(
    *, actor, municipality, name, model, parameters, results, client_address=None
):
    """Save a scenario computed already (``manage.py plan --save``, the demo): done."""
    with transaction.atomic():
        scenario = Scenario.objects.create(
            municipality=municipality,
            name=name,
            model=model,
            parameters=parameters,
            results=results,
            state=Scenario.State.DONE,
            finished_at=timezone.now(),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit.record(
            actor=actor,
            action="scenario.create",
            obj=scenario,
            changes={
                "name": [None, name],
                "model": [None, model],
                "status": [None, results.get("status")],
            },
            client_address=client_address,
        )
    return scenario


class ScenarioConflict(Exception):
    """The scenario's state does not allow this now (shown as a 409 with the message)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


WORKER = "planning worker"


def stale_seconds():
    return int(getattr(settings, "NARA_PLANNING_STALE_SECONDS", 300))


def is_stale(scenario, now=None):
    """Waiting or computing for longer than NARA_PLANNING_STALE_SECONDS."""
    if not scenario.is_pending:
        return False
    since = scenario.started_at if scenario.state == Scenario.State.COMPUTING else None
    since = since or scenario.queued_at or scenario.created_at
    now = now or timezone.now()
    return since is None or now - since > dt.timedelta(seconds=stale_seconds())


def not_done_message(scenario):
    """Why a scenario's plan cannot be used (applied, printed) yet, in words."""
    if scenario.state == Scenario.State.FAILED:
        return _("This plan could not be computed, so there is nothing to use yet.")
    return _("This plan is still being computed; it can be used when it is done.")


def may_rerun(scenario, now=None):
    return scenario.state == Scenario.State.FAILED or is_stale(scenario, now)


def _enqueue(scenario):
    """Inside the caller's transaction: with the database queue the task row commits (or rolls
    back) with the scenario, so the worker never sees one without the other."""
    from .tasks import solve_scenario

    solve_scenario.enqueue(scenario_id=scenario.pk)


def do_queue_scenario(
    *,
    actor,
    municipality,
    name,
    model,
    parameters,
    travel_matrix="",
    language="",
    client_address=None,
    submission_token="",
):
    """Save a scenario to be computed in the background and put it on the queue."""
    with transaction.atomic():
        scenario = Scenario.objects.create(
            municipality=municipality,
            name=name,
            model=model,
            parameters=parameters,
            results={},
            state=Scenario.State.QUEUED,
            queued_at=timezone.now(),
            travel_matrix=travel_matrix or "",
            language=language or "",
            created_by=actor if getattr(actor, "pk", None) else None,
            submission_token=submission_token or "",
        )
        audit.record(
            actor=actor,
            action="scenario.create",
            obj=scenario,
            changes={
                "name": [None, name],
                "model": [None, model],
                "state": [None, Scenario.State.QUEUED],
            },
            client_address=client_address,
        )
        _enqueue(scenario)
    return scenario


def scenario_of_submission(actor, token):
    """The scenario this person already saved with the new-scenario form's one-time token,
    or None (also for no token)."""
    if not token or not getattr(actor, "pk", None):
        return None
    return Scenario.objects.filter(created_by=actor, submission_token=token).first()


def do_queue_scenario_once(*, actor, submission_token, **fields):
    """do_queue_scenario for the new-scenario form: (scenario, True) when saved now, or
    (the scenario saved before with the same token, False), when the same form is posted
    twice; two POSTs racing each other are settled by the unique constraint."""
    earlier = scenario_of_submission(actor, submission_token)
    if earlier is not None:
        return earlier, False
    try:
        with transaction.atomic():
            return do_queue_scenario(actor=actor, submission_token=submission_token, **fields), True
    except IntegrityError:
        earlier = scenario_of_submission(actor, submission_token)
        if earlier is None:
            raise
        return earlier, False


def do_start_scenario(*, scenario_id, actor=WORKER):
    """Claim a queued scenario for computing. Returns (scenario, attempt), or (None, why) when
    there is nothing to do: gone, or already computing, done or failed (picked up before)."""
    with transaction.atomic():
        scenario = (
            Scenario.objects.select_for_update()
            .select_related("municipality")
            .filter(pk=scenario_id)
            .first()
        )
        if scenario is None:
            return None, "gone"
        if scenario.state != Scenario.State.QUEUED:
            return None, scenario.state
        scenario.state = Scenario.State.COMPUTING
        scenario.attempts += 1
        scenario.started_at = timezone.now()
        scenario.finished_at = None
        scenario.failure = ""
        scenario.save(update_fields=["state", "attempts", "started_at", "finished_at", "failure"])
        audit.record(
            actor=actor,
            action="scenario.start",
            obj=scenario,
            changes={
                "state": [Scenario.State.QUEUED, Scenario.State.COMPUTING],
                "attempt": scenario.attempts,
            },
        )
    return scenario, scenario.attempts


def _locked_attempt(scenario_id, attempt):
    """The scenario, locked, if it is still computing this attempt (else None: someone ran it
    again or deleted it meanwhile, and this attempt's outcome is dropped)."""
    scenario = Scenario.objects.select_for_update().filter(pk=scenario_id).first()
    if (
        scenario is None
        or scenario.state != Scenario.State.COMPUTING
        or scenario.attempts != attempt
    ):
        return None
    return scenario


def do_finish_scenario(*, scenario_id, attempt, results, actor=WORKER):
    """Store the computed plan. False (and nothing stored) when the attempt is no longer the
    scenario's current one."""
    with transaction.atomic():
        scenario = _locked_attempt(scenario_id, attempt)
        if scenario is None:
            return False
        scenario.results = results
        scenario.state = Scenario.State.DONE
        scenario.finished_at = timezone.now()
        scenario.save(update_fields=["results", "state", "finished_at"])
        audit.record(
            actor=actor,
            action="scenario.finish",
            obj=scenario,
            changes={
                "state": [Scenario.State.COMPUTING, Scenario.State.DONE],
                "status": [None, results.get("status")],
                "solve_seconds": results.get("solve_seconds"),
                "attempt": attempt,
            },
        )
    return True


def do_fail_scenario(*, scenario_id, attempt, message, actor=WORKER):
    """Store why the plan could not be computed, in words for people."""
    with transaction.atomic():
        scenario = _locked_attempt(scenario_id, attempt)
        if scenario is None:
            return False
        scenario.state = Scenario.State.FAILED
        scenario.failure = str(message)
        scenario.finished_at = timezone.now()
        scenario.save(update_fields=["state", "failure", "finished_at"])
        audit.record(
            actor=actor,
            action="scenario.fail",
            obj=scenario,
            changes={
                "state": [Scenario.State.COMPUTING, Scenario.State.FAILED],
                "attempt": attempt,
            },
        )
    return True


def do_rerun_scenario(*, actor, scenario, client_address=None):
    """Queue a failed scenario again, or one stuck waiting or computing (stale).

    Raises ScenarioConflict when it is done, or still waiting or computing in time."""
    with transaction.atomic():
        locked = Scenario.objects.select_for_update().get(pk=scenario.pk)
        if locked.state == Scenario.State.DONE:
            raise ScenarioConflict(
                _("This plan is already computed; there is nothing to run again.")
            )
        if not may_rerun(locked):
            raise ScenarioConflict(
                _(
                    "This plan is still being computed. It can be run again if it has not "
                    "finished within %(minutes)d minutes."
                )
                % {"minutes": max(1, round(stale_seconds() / 60))}
            )
        before = locked.state
        locked.state = Scenario.State.QUEUED
        locked.queued_at = timezone.now()
        locked.started_at = None
        locked.finished_at = None
        locked.failure = ""
        locked.results = {}
        locked.save(
            update_fields=["state", "queued_at", "started_at", "finished_at", "failure", "results"]
        )
        audit.record(
            actor=actor,
            action="scenario.rerun",
            obj=locked,
            changes={"state": [before, Scenario.State.QUEUED]},
            client_address=client_address,
        )
        _enqueue(locked)
    return locked


def do_delete_scenario(*, actor, scenario, client_address=None):
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="scenario.delete",
            obj=scenario,
            changes={"name": [scenario.name, None], "model": [scenario.model, None]},
            client_address=client_address,
        )
        scenario.delete()


def do_import_candidate_sites(
    *, actor, municipality, rows, source="", replace=False, client_address=None
):
    """Save parsed SiteRows (see sites_import.parse_candidates). All or nothing."""
    with transaction.atomic():
        removed = 0
        if replace:
            removed, _by_model = CandidateSite.objects.filter(municipality=municipality).delete()
        CandidateSite.objects.bulk_create(
            CandidateSite(
                municipality=municipality,
                name=row.name,
                kind=row.kind,
                lon=row.lon,
                lat=row.lat,
                source=source[:200],
            )
            for row in rows
        )
        audit.record(
            actor=actor,
            action="candidate_sites.import",
            obj=municipality,
            changes={"created": len(rows), "removed": removed, "source": source},
            client_address=client_address,
        )
    return len(rows)


def already_applied(scenario, layer):
    """Why the scenario cannot be applied to `layer` again, or None: applying it twice (a
    double click, a form sent again) would create its new centres a second time."""
    earlier = (
        CatchmentSnapshot.objects.filter(replaced_by=scenario, layer=layer)
        .order_by("created_at")
        .first()
    )
    if earlier is None:
        return None
    date = timezone.localtime(earlier.created_at).strftime("%Y-%m-%d %H:%M")
    if layer == CatchmentMembership.Layer.BASES:
        message = _(
            "This scenario was already applied as bases on %(date)s; applying it again would "
            "create its new bases a second time. Nothing was changed."
        )
    else:
        message = _(
            "This scenario was already applied as centres on %(date)s; applying it again would "
            "create its new centres a second time. Nothing was changed."
        )
    return message % {"date": date}


def new_centres_text(kind, count):
    """'1 new base (not published yet)' / '3 new centres (not published yet)'."""
    if kind == Center.Kind.BASE:
        text = ngettext(
            "%(count)d new base (not published yet)",
            "%(count)d new bases (not published yet)",
            count,
        )
    else:
        text = ngettext(
            "%(count)d new centre (not published yet)",
            "%(count)d new centres (not published yet)",
            count,
        )
    return text % {"count": count}


def do_apply_scenario(*, actor, scenario, kind, client_address=None):
    """Make the scenario's sites centres (or bases) of ``kind`` and its catchments their layer.

    New centres are created unpublished; the layer's previous catchments are kept as a
    CatchmentSnapshot. One transaction, one audit entry. Returns (preview, snapshot).
    """
    with transaction.atomic():
        locked = Scenario.objects.select_for_update().get(pk=scenario.pk)
        if locked.state != Scenario.State.DONE:
            raise ScenarioConflict(not_done_message(locked))
        plan = preview(scenario, kind)
        refused = already_applied(locked, plan.layer)
        if refused:
            raise ScenarioConflict(refused)
        municipality = scenario.municipality
        memberships = CatchmentMembership.objects.select_related("area", "center").filter(
            layer=plan.layer, area__municipality=municipality
        )
        snapshot = CatchmentSnapshot.objects.create(
            municipality=municipality,
            layer=plan.layer,
            memberships={
                m.area.code: {"centre": m.center.code, "name": m.center.name} for m in memberships
            },
            replaced_by=scenario,
            scenario_name=scenario.name,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        created = [_new_centre(municipality, target, kind) for target in plan.new_targets]
        memberships.delete()
        areas = dict(Area.objects.filter(municipality=municipality).values_list("code", "pk"))
        CatchmentMembership.objects.bulk_create(
            CatchmentMembership(center=target.centre, area_id=areas[code], layer=plan.layer)
            for target in plan.targets
            for code in target.area_codes
        )
        content_version.bump()  # bulk writes send no signals
        audit.record(
            actor=actor,
            action="scenario.apply",
            obj=scenario,
            changes={
                "kind": kind,
                "layer": plan.layer,
                "new_centres": [c.code for c in created],
                "centres": [t.centre.code for t in plan.targets],
                "moved_areas": [m.area.code for m in plan.moves],
                "history": snapshot.pk,
            },
            client_address=client_address,
        )
    return plan, snapshot


def _new_centre(municipality, target, kind):
    """An unpublished centre at the site; its address is filled in before publishing."""
    code = new_centre_code()
    centre = Center.objects.create(
        municipality=municipality,
        slug=f"{slugify(target.name)[:40] or kind}-{code[2:]}",
        code=code,
        name=target.name[:120],
        kind=kind,
        neutral_display_name=target.name[:60],
        street_address="",
        postal_code="",
        city=municipality.name[:60],
        lon=target.lon,
        lat=target.lat,
        is_published=False,
    )
    target.centre = centre
    return centre
