"""Planning scenarios computed on the job queue, as an analyst sees it: the page says the plan is
being computed (and reloads itself) until the worker has run, then shows the plan; a failure is
shown in words with "Run again"; conflicting actions are refused with 409.

These tests keep the database queue (no ``tasks_run_at_once``): tasks wait as rows, and
``run_queued_tasks`` runs the waiting rows the way the worker does (the task its row names, with
its arguments). The real `manage.py run_worker` is in test_planning_worker.py.
"""

import csv
import datetime as dt
import io
import logging
import re

import pytest
import time_machine
from django.utils import timezone, translation
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from nara.core.models import AuditEvent, Center
from nara.planning import actions, tasks
from nara.planning.models import CandidateSite, Scenario
from tests.planning.test_planning_web import scenario_data
from tests.workspace.conftest import signed_in, user

pytestmark = [pytest.mark.django_db, pytest.mark.database_queue]

NEW = "/staff/planning/scenarios/new/"


@pytest.fixture
def analyst(demo):
    client = signed_in(user("ahmed"))
    client.cookies["nara_language"] = "en"
    return client


def page(pk):
    return f"/staff/planning/scenarios/{pk}/"


def queue(client, **overrides):
    response = client.post(NEW, scenario_data(**overrides))
    assert response.status_code == 302, response.content.decode()
    return Scenario.objects.get(name=overrides.get("name", "Scenario"))


def waiting_rows():
    return DBTaskResult.objects.filter(
        task_path=tasks.solve_scenario.module_path, status=TaskResultStatus.READY
    )


def run_queued_tasks():
    """What the worker does with each waiting row: run the task it names, with its arguments."""
    outcomes = []
    for row in waiting_rows().order_by("enqueued_at"):
        row.status = TaskResultStatus.SUCCESSFUL
        row.save(update_fields=["status"])
        outcomes.append(row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"]))
    return outcomes


def html_of(response):
    return response.content.decode()


# Queue → computing → done -------------------------------------------------------------------


def test_saved_scenario_waits_for_the_worker_then_shows_the_plan(analyst):
    scenario = queue(analyst, name="Three centres", model="mclp", k=3)
    assert scenario.state == "queued" and scenario.results == {}
    assert scenario.queued_at is not None and scenario.started_at is None
    assert scenario.parameters["time_limit"] == 20  # the model's full default, not a web one
    row = waiting_rows().get()
    assert row.args_kwargs["kwargs"] == {"scenario_id": scenario.pk}  # ids only on the queue

    waiting = analyst.get(page(scenario.pk))
    text = html_of(waiting)
    assert waiting.status_code == 200
    # Reloads itself, no script needed.
    assert f'<meta http-equiv="refresh" content="5; url={page(scenario.pk)}">' in text
    assert "waiting for the background worker" in text
    assert "Run again" not in text and "<svg" not in text

    assert run_queued_tasks() == ["done"]
    scenario.refresh_from_db()
    assert scenario.state == "done" and scenario.attempts == 1
    assert scenario.queued_at <= scenario.started_at <= scenario.finished_at
    assert scenario.results["status"] == "optimal" and len(scenario.results["sites"]) == 3

    done = analyst.get(page(scenario.pk))
    text = html_of(done)
    assert done.status_code == 200
    assert "http-equiv" not in text
    assert "<svg" in text and text.count('class="site"') == 3 and "optimal" in text
    actions_logged = AuditEvent.objects.filter(
        object_type="Scenario", object_id=str(scenario.pk)
    ).values_list("action", flat=True)
    assert list(actions_logged.order_by("id")) == [
        "scenario.create",
        "scenario.start",
        "scenario.finish",
    ]


def test_capacitated_catchments_get_the_long_time_limit(analyst, demo):
    scenario = queue(
        analyst, name="Bases", model="catchments", k=4, capacity=1.2, capacity_on="average"
    )
    assert scenario.parameters["time_limit"] == 180


def submission_token(client):
    """The one-time token of a freshly shown new-scenario form."""
    form = html_of(client.get(NEW))
    found = re.search(r'<input type="hidden" name="submission" value="([^"]+)"', form)
    assert found, "no submission token in the new-scenario form"
    return found.group(1)


def test_a_double_submission_saves_one_scenario_and_queues_one_job(analyst):
    """A double click (or the browser sending the form again) posts the same token twice: the
    second POST saves nothing and queues nothing, and lands on the first scenario, no error."""
    data = scenario_data(name="Twice", submission=submission_token(analyst))
    first = analyst.post(NEW, data)
    second = analyst.post(NEW, data)
    scenario = Scenario.objects.get(name="Twice")  # one, not two
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == page(scenario.pk)
    assert waiting_rows().count() == 1
    assert AuditEvent.objects.filter(action="scenario.create").count() == 1
    shown = html_of(analyst.get(second["Location"]))
    assert 'role="alert"' not in shown and "errorlist" not in shown
    assert shown.count("Scenario saved") == 1  # the first POST's message, once
    # A form shown again has a new token: a deliberate second scenario is still saved.
    again = analyst.post(NEW, scenario_data(name="Twice", submission=submission_token(analyst)))
    assert again.status_code == 302 and again["Location"] != page(scenario.pk)
    assert Scenario.objects.filter(name="Twice").count() == 2 and waiting_rows().count() == 2


def test_two_racing_posts_save_one_scenario(analyst, monkeypatch):
    """Two POSTs at once both find no scenario with the token; the unique constraint lets one
    save, and the other answers with it."""
    from nara.core.models import Municipality
    from nara.planning import plans

    fields = {
        "actor": user("ahmed"),
        "submission_token": "race-" + "x" * 20,
        "municipality": Municipality.objects.get(is_example=True),
        "name": "Race",
        "model": "pmedian",
        "parameters": plans.PlanRequest(model="pmedian", k=2).parameters(),
    }
    first, saved = actions.do_queue_scenario_once(**fields)
    assert saved
    looked = []
    real = actions.scenario_of_submission

    def too_early(actor, token):  # the first look misses the other POST's scenario
        looked.append(token)
        return None if len(looked) == 1 else real(actor, token)

    monkeypatch.setattr(actions, "scenario_of_submission", too_early)
    second, saved = actions.do_queue_scenario_once(**fields)
    assert not saved and second.pk == first.pk and len(looked) == 2
    assert Scenario.objects.filter(name="Race").count() == 1 and waiting_rows().count() == 1


def test_a_used_token_of_another_user_saves_a_new_scenario(analyst):
    """The token is only ever matched against the poster's own scenarios."""
    token = submission_token(analyst)
    assert analyst.post(NEW, scenario_data(name="Mine", submission=token)).status_code == 302
    admin = signed_in(user("admin"))
    response = admin.post(NEW, scenario_data(name="Theirs", submission=token))
    assert response.status_code == 302
    assert Scenario.objects.filter(name__in=["Mine", "Theirs"]).count() == 2


@pytest.mark.parametrize("token", ["short", "x" * 65, "abc\x00def-ghij-klmnop", "<script>-1234567"])
def test_a_malformed_token_is_a_message_and_saves_nothing(analyst, token):
    response = analyst.post(NEW, scenario_data(name="Odd", submission=token))
    assert response.status_code == 400
    assert "submit it again" in html_of(response)
    assert not Scenario.objects.filter(name="Odd").exists() and not waiting_rows().exists()
    fresh = re.search(r'name="submission" value="([^"]+)"', html_of(response)).group(1)
    assert fresh != token  # the form shown again carries a fresh token that works
    assert analyst.post(NEW, scenario_data(name="Odd", submission=fresh)).status_code == 302


def test_page_says_computing_while_the_worker_solves(analyst):
    scenario = queue(analyst, name="Busy", model="pmedian", k=2)
    claimed, attempt = actions.do_start_scenario(scenario_id=scenario.pk)
    assert claimed.pk == scenario.pk and attempt == 1
    text = html_of(analyst.get(page(scenario.pk)))
    assert "being computed in the background" in text and "20 seconds" in text
    assert 'http-equiv="refresh"' in text and "Run again" not in text


def test_list_compare_and_export_show_a_plan_not_computed_yet(analyst):
    scenario = queue(analyst, name="Waiting one", model="pmedian", k=2)
    listing = html_of(analyst.get("/staff/planning/scenarios/"))
    assert "Waiting one" in listing and "waiting to be computed" in listing
    compare = analyst.get("/staff/planning/compare/", {"ids": [scenario.pk]})
    assert compare.status_code == 200 and "waiting to be computed" in html_of(compare)
    exported = analyst.get("/staff/planning/export.csv", {"ids": [scenario.pk]})
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0]["status"] == "queued" and rows[0]["sites"] == ""
    assert analyst.get("/staff/planning/export.xlsx", {"ids": [scenario.pk]}).status_code == 200


# Input mistakes are still shown on the form at once ------------------------------------------


def test_a_mistake_in_the_input_is_shown_at_once_and_nothing_is_queued(analyst):
    response = analyst.post(NEW, scenario_data(k=100, include_centres=None))
    assert response.status_code == 400
    assert "Cannot open 100 sites" in html_of(response)
    assert not Scenario.objects.exists() and not waiting_rows().exists()


# Failures ----------------------------------------------------------------------------------


def test_a_failure_is_shown_in_words_with_run_again(analyst, demo):
    site = CandidateSite.objects.create(municipality=demo, name="Library", lon=16.0, lat=58.6)
    site_id = f"site:{site.pk}"
    scenario = queue(analyst, name="Library kept", model="pmedian", k=2, fixed=[site_id])
    site.delete()  # removed before the worker got to it

    assert run_queued_tasks() == ["failed"]
    scenario.refresh_from_db()
    assert scenario.state == "failed" and scenario.finished_at is not None
    assert f"'{site_id}' is not one of the candidate sites" in scenario.failure

    response = analyst.get(page(scenario.pk))
    text = html_of(response)
    assert response.status_code == 200
    assert "The plan could not be computed." in text and "is not one of the candidate" in text
    assert "Run again" in text and f"/staff/planning/scenarios/{scenario.pk}/rerun/" in text
    assert "csrfmiddlewaretoken" in text
    assert "http-equiv" not in text and "Traceback" not in text
    assert AuditEvent.objects.filter(action="scenario.fail", object_id=str(scenario.pk)).exists()


def test_an_unexpected_error_is_logged_and_shown_without_a_traceback(analyst, caplog):
    scenario = queue(analyst, name="Broken", model="pmedian", k=2)
    Scenario.objects.filter(pk=scenario.pk).update(
        parameters={**scenario.parameters, "coverage_distance": "far"}
    )
    with caplog.at_level(logging.ERROR, logger="nara.planning.tasks"):
        assert run_queued_tasks() == ["failed"]
    assert "could not be computed" in caplog.text  # the traceback is for the administrator
    text = html_of(analyst.get(page(scenario.pk)))
    assert "because of an error in Nära" in text and "tell the administrator" in text
    assert "Traceback" not in text and "TypeError" not in text and "far" not in text


def test_the_failure_is_written_in_the_language_of_whoever_saved_it(demo):
    swedish = signed_in(user("ahmed"))
    swedish.cookies["nara_language"] = "sv"
    site = CandidateSite.objects.create(municipality=demo, name="Bibliotek", lon=16.0, lat=58.6)
    scenario = queue(swedish, name="Sv", model="pmedian", k=2, fixed=[f"site:{site.pk}"])
    site.delete()
    with translation.override("en"):  # the worker's own language does not matter
        run_queued_tasks()
    scenario.refresh_from_db()
    assert scenario.language == "sv"
    assert "är inte en av" in scenario.failure, scenario.failure
    text = html_of(swedish.get(page(scenario.pk)))
    assert "Planen kunde inte beräknas." in text and "Kör igen" in text


# Run again ---------------------------------------------------------------------------------


def failed_scenario(analyst, demo, name="Will fail"):
    site = CandidateSite.objects.create(municipality=demo, name="Gone", lon=16.0, lat=58.6)
    scenario = queue(analyst, name=name, model="pmedian", k=2, fixed=[f"site:{site.pk}"])
    site.delete()
    run_queued_tasks()
    scenario.refresh_from_db()
    assert scenario.state == "failed"
    return scenario


def test_run_again_after_a_failure_queues_and_computes_it_again(analyst, demo):
    scenario = failed_scenario(analyst, demo)
    # Put the site back under the same id, as an analyst would fix the data.
    CandidateSite.objects.create(
        pk=int(scenario.parameters["fixed"][0].split(":")[1]),
        municipality=demo,
        name="Back again",
        lon=16.0,
        lat=58.6,
    )
    response = analyst.post(f"/staff/planning/scenarios/{scenario.pk}/rerun/")
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.state == "queued" and scenario.failure == ""
    assert "waiting for the background worker" in html_of(analyst.get(page(scenario.pk)))
    assert run_queued_tasks() == ["done"]
    scenario.refresh_from_db()
    assert scenario.state == "done" and scenario.attempts == 2
    assert "Back again" in [s["name"] for s in scenario.results["sites"]]
    assert AuditEvent.objects.filter(action="scenario.rerun", object_id=str(scenario.pk)).exists()


def test_run_again_is_refused_while_computing_and_when_done(analyst):
    scenario = queue(analyst, name="Busy", model="pmedian", k=2)
    rerun = f"/staff/planning/scenarios/{scenario.pk}/rerun/"
    refused = analyst.post(rerun)  # waiting, in time
    assert refused.status_code == 409 and "still being computed" in html_of(refused)
    actions.do_start_scenario(scenario_id=scenario.pk)  # a worker has it
    refused = analyst.post(rerun)  # computing, in time
    assert refused.status_code == 409 and "within 5 minutes" in html_of(refused)
    assert waiting_rows().count() == 1  # nothing queued twice
    assert run_queued_tasks() == ["skipped (computing)"]  # nor solved twice

    done = queue(analyst, name="Done", model="pmedian", k=2)
    assert run_queued_tasks() == ["done"]
    refused = analyst.post(f"/staff/planning/scenarios/{done.pk}/rerun/")
    assert refused.status_code == 409 and "already computed" in html_of(refused)
    assert "<svg" in html_of(refused)  # the plan is still shown
    assert not AuditEvent.objects.filter(action="scenario.rerun").exists()


def refresh_target(response):
    """Where the page's <meta http-equiv="refresh"> takes the browser (its own address if no
    url= is given: a browser reloads it with GET)."""
    found = re.search(
        r'<meta http-equiv="refresh" content="(\d+)(?:; url=([^"]*))?">', html_of(response)
    )
    assert found, "the page does not reload itself"
    return found.group(2) or response.request["PATH_INFO"]


def test_a_refused_run_again_reloads_the_scenario_page_not_the_button(analyst):
    scenario = queue(analyst, name="Waiting", model="pmedian", k=2)
    refused = analyst.post(f"/staff/planning/scenarios/{scenario.pk}/rerun/")
    assert refused.status_code == 409
    # The page reloads itself while the plan is computed; the reload must not land on the
    # POST-only "Run again" address (a blank "405" page in the browser).
    reloaded = analyst.get(refresh_target(refused))
    assert reloaded.status_code == 200 and "waiting for the background worker" in html_of(reloaded)
    refused = analyst.post(f"/staff/planning/scenarios/{scenario.pk}/apply/", {"kind": "centre"})
    assert analyst.get(refresh_target(refused)).status_code in (200, 409)
    # A page asked for with GET (print, before the plan is done) reloads itself.
    printing = analyst.get(f"/staff/planning/scenarios/{scenario.pk}/print/")
    assert refresh_target(printing) == f"/staff/planning/scenarios/{scenario.pk}/print/"


def test_a_stuck_scenario_may_be_run_again_after_the_stale_time(analyst, settings):
    settings.NARA_PLANNING_STALE_SECONDS = 300
    scenario = queue(analyst, name="Stuck", model="pmedian", k=2)
    waiting_rows().update(status=TaskResultStatus.RUNNING)  # a worker took the task,
    _claimed, first = actions.do_start_scenario(scenario_id=scenario.pk)  # then died
    rerun = f"/staff/planning/scenarios/{scenario.pk}/rerun/"
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=299)):
        assert analyst.post(rerun).status_code == 409
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=301)):
        text = html_of(analyst.get(page(scenario.pk)))
        assert "more than 5 minutes" in text and "Run again" in text
        assert "http-equiv" not in text  # nothing will change by itself
        assert analyst.post(rerun).status_code == 302
    scenario.refresh_from_db()
    assert scenario.state == "queued"
    # The dead worker wakes up late: its result is dropped, the rerun's is stored.
    assert actions.do_finish_scenario(scenario_id=scenario.pk, attempt=first, results={}) is False
    assert actions.do_fail_scenario(scenario_id=scenario.pk, attempt=first, message="x") is False
    assert run_queued_tasks() == ["done"]
    scenario.refresh_from_db()
    assert scenario.state == "done" and scenario.attempts == 2 and scenario.results["sites"]


def test_only_planners_may_run_again(analyst, demo):
    scenario = failed_scenario(analyst, demo)
    rerun = f"/staff/planning/scenarios/{scenario.pk}/rerun/"
    for username in ("anna", "petra", "maria"):
        assert signed_in(user(username)).post(rerun).status_code == 403
    from django.test import Client

    assert Client().post(rerun).status_code == 302  # to the sign-in page
    assert analyst.get(rerun).status_code == 405
    scenario.refresh_from_db()
    assert scenario.state == "failed"
    assert signed_in(user("admin")).post(rerun).status_code == 302


def test_opening_run_again_directly_explains_instead_of_a_blank_page(analyst, demo):
    """The "Run again" address takes only the button's POST; opened directly (a bookmark, a
    reload) it says so in the reader's language, with nothing changed."""
    scenario = failed_scenario(analyst, demo)
    response = analyst.get(f"/staff/planning/scenarios/{scenario.pk}/rerun/")
    assert response.status_code == 405 and response["Allow"] == "POST"
    text = html_of(response)
    assert "This address is used by a button" in text and "<main" in text
    swedish = signed_in(user("ahmed"))
    swedish.cookies["nara_language"] = "sv"
    text = html_of(swedish.get(f"/staff/planning/scenarios/{scenario.pk}/rerun/"))
    assert "Den här adressen används av en knapp" in text
    scenario.refresh_from_db()
    assert scenario.state == "failed"


# Exactly once --------------------------------------------------------------------------------


def test_a_task_picked_up_twice_solves_once(analyst):
    scenario = queue(analyst, name="Twice", model="pmedian", k=2)
    tasks.solve_scenario.enqueue(scenario_id=scenario.pk)  # a second wake-up call for it
    assert waiting_rows().count() == 2
    assert run_queued_tasks() == ["done", "skipped (done)"]
    assert (
        AuditEvent.objects.filter(action="scenario.start", object_id=str(scenario.pk)).count() == 1
    )
    assert (
        AuditEvent.objects.filter(action="scenario.finish", object_id=str(scenario.pk)).count() == 1
    )
    scenario.refresh_from_db()
    assert scenario.attempts == 1


def test_a_second_pickup_while_the_first_computes_does_nothing(analyst):
    scenario = queue(analyst, name="Racing", model="pmedian", k=2)
    _claimed, attempt = actions.do_start_scenario(scenario_id=scenario.pk)
    assert tasks.compute(scenario.pk) == "skipped (computing)"
    scenario.refresh_from_db()
    assert scenario.state == "computing" and scenario.attempts == attempt == 1


def test_a_deleted_scenario_is_skipped(analyst):
    scenario = queue(analyst, name="Deleted", model="pmedian", k=2)
    actions.do_delete_scenario(actor="test", scenario=scenario)
    assert run_queued_tasks() == ["skipped (gone)"]


# Using a plan that is not done: 409 --------------------------------------------------------


def test_apply_and_print_are_refused_until_the_plan_is_done(analyst, demo):
    scenario = queue(analyst, name="Not yet", model="pmedian", k=2)
    apply_url = f"/staff/planning/scenarios/{scenario.pk}/apply/"
    centres = Center.objects.count()
    for response in (
        analyst.get(apply_url),
        analyst.post(apply_url, {"kind": "centre"}),
        analyst.get(f"/staff/planning/scenarios/{scenario.pk}/print/"),
    ):
        assert response.status_code == 409
        assert "still being computed; it can be used when it is done" in html_of(response)
    failed = failed_scenario(analyst, demo)
    response = analyst.post(f"/staff/planning/scenarios/{failed.pk}/apply/", {"kind": "centre"})
    assert response.status_code == 409 and "could not be computed" in html_of(response)
    assert Center.objects.count() == centres
    assert not AuditEvent.objects.filter(action="scenario.apply").exists()
    with pytest.raises(actions.ScenarioConflict):
        actions.do_apply_scenario(actor="test", scenario=failed, kind="centre")


def test_run_worker_warns_when_the_stale_time_is_shorter_than_a_solve(settings):
    settings.NARA_PLANNING_STALE_SECONDS = 300
    assert tasks.configuration_problems() == []
    settings.NARA_PLANNING_STALE_SECONDS = 120  # a 180 s catchments solve could be run again
    [warning] = tasks.configuration_problems()
    assert "NARA_PLANNING_STALE_SECONDS (120)" in warning and "180" in warning
