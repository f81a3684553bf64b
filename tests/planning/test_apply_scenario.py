"""Applying a saved scenario: preview, audited action, unpublished new centres, history kept."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from nara.core.models import Area, AuditEvent, CatchmentMembership, Center
from nara.planning.models import CatchmentSnapshot, Scenario
from tests.workspace.conftest import signed_in, user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def english(username):
    client = signed_in(user(username))
    client.cookies["nara_language"] = "en"
    return client


def saved_scenario(demo, *extra):
    """A p-median plan over area points only (so every site is a new centre), saved."""
    out = io.StringIO()
    call_command(
        "plan", "--model", "pmedian", "--k", "3", "--municipality", demo.code, "--no-centres",
        "--no-sites", "--save", "to apply", *extra, stdout=out,
    )  # fmt: skip
    return Scenario.objects.get(name="to apply")


def layer(demo):
    return {
        m.area.code: m.center.pk
        for m in CatchmentMembership.objects.select_related("area", "center").filter(
            layer="centres", area__municipality=demo
        )
    }


def test_preview_shows_new_centres_and_moved_areas_and_changes_nothing(demo):
    scenario = saved_scenario(demo)
    before = layer(demo)
    centres_before = Center.objects.count()
    page = english("ahmed").get(f"/staff/planning/scenarios/{scenario.pk}/apply/")
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count("new centre, not published") == 3
    assert "Areas that change centre" in text
    moved = len(scenario.results["assignment"])  # every site is new: every area moves
    assert f"Areas that change centre (<bdi>{moved}</bdi>)" in text
    assert layer(demo) == before and Center.objects.count() == centres_before
    assert not CatchmentSnapshot.objects.exists()


def test_applying_creates_unpublished_centres_keeps_history_and_is_audited(demo):
    scenario = saved_scenario(demo)
    before = layer(demo)
    analyst = signed_in(user("ahmed"))
    response = analyst.post(f"/staff/planning/scenarios/{scenario.pk}/apply/", {"kind": "centre"})
    assert response.status_code == 302
    created = Center.objects.filter(
        name__in=[s["name"] for s in scenario.results["sites"]], kind="centre"
    )
    assert created.count() == 3 and not created.filter(is_published=True).exists()
    assert all(c.code.startswith("c-") for c in created)
    after = layer(demo)
    assert set(after) == set(scenario.results["assignment"])
    assert set(after.values()) == {c.pk for c in created}
    snapshot = CatchmentSnapshot.objects.get()
    assert snapshot.replaced_by == scenario and snapshot.layer == "centres"
    codes = dict(Center.objects.values_list("pk", "code"))
    assert {a: m["centre"] for a, m in snapshot.memberships.items()} == {
        a: codes[pk] for a, pk in before.items()
    }
    event = AuditEvent.objects.get(action="scenario.apply", object_id=str(scenario.pk))
    assert event.actor_label == "ahmed"
    assert sorted(event.changes["new_centres"]) == sorted(c.code for c in created)


def test_pressing_apply_twice_does_not_create_the_centres_twice(demo):
    """A double click, or a reload that sends the form again: the second apply is refused
    with a message, and the centres of the first stay the only ones."""
    scenario = saved_scenario(demo)
    analyst = english("ahmed")
    url = f"/staff/planning/scenarios/{scenario.pk}/apply/"
    first = analyst.post(url, {"kind": "centre"}, follow=True).content.decode()
    assert "The scenario is applied: 3 new centres (not published yet);" in first
    assert "The earlier catchments are kept as history." in first  # the demo's catchments
    centres, after_first = Center.objects.count(), layer(demo)
    again = analyst.post(url, {"kind": "centre"})
    assert again.status_code == 409
    assert "already applied as centres" in again.content.decode()
    assert Center.objects.count() == centres and layer(demo) == after_first
    assert AuditEvent.objects.filter(action="scenario.apply").count() == 1
    assert CatchmentSnapshot.objects.count() == 1
    # The preview says so too, with no Apply button.
    page = analyst.get(url, {"kind": "centre"}).content.decode()
    assert "already applied" in page and '<button type="submit">Apply</button>' not in page
    # Bases are another layer: the scenario may still be applied as bases.
    assert analyst.post(url, {"kind": "base"}).status_code == 302


def test_only_planners_may_apply(demo):
    scenario = saved_scenario(demo)
    url = f"/staff/planning/scenarios/{scenario.pk}/apply/"
    assert signed_in(user("anna")).post(url, {"kind": "centre"}).status_code == 403
    assert signed_in(user("maria")).get(url).status_code == 403
    assert not AuditEvent.objects.filter(action="scenario.apply").exists()
    assert signed_in(user("admin")).get(url).status_code == 200


def test_apply_scenario_command_dry_run_then_apply(demo):
    scenario = saved_scenario(demo)
    out = io.StringIO()
    call_command("apply_scenario", str(scenario.pk), "--kind", "base", "--dry-run", stdout=out)
    assert "Dry run: nothing changed." in out.getvalue()
    assert not Center.objects.filter(kind="base", name__in=_names(scenario)).exists()
    out = io.StringIO()
    call_command("apply_scenario", str(scenario.pk), "--kind", "base", stdout=out)
    assert "Applied: 3 new bases (not published yet)." in out.getvalue()
    bases = Center.objects.filter(kind="base", name__in=_names(scenario))
    assert bases.count() == 3 and not bases.filter(is_published=True).exists()
    assert CatchmentSnapshot.objects.get().layer == "bases"


def test_apply_scenario_command_output_sorted_named_and_honest_about_history(demo):
    scenario = saved_scenario(demo)
    CatchmentMembership.objects.filter(layer="bases", area__municipality=demo).delete()
    out = io.StringIO()
    call_command("apply_scenario", str(scenario.pk), "--kind", "base", "--dry-run", stdout=out)
    # Every area moves (all sites are new), listed by name with its code, in name order.
    names = dict(Area.objects.filter(municipality=demo).values_list("code", "name"))
    order = sorted(scenario.results["assignment"], key=lambda code: (names[code], code))
    moves = [line.strip() for line in out.getvalue().splitlines() if line.startswith("  ")]
    assert [m.split(": ")[0] for m in moves] == [f"{names[c]} ({c})" for c in order]

    # The bases had no catchments: nothing is said about history.
    out = io.StringIO()
    call_command("apply_scenario", str(scenario.pk), "--kind", "base", stdout=out)
    assert "Applied: 3 new bases (not published yet)." in out.getvalue()
    assert "history" not in out.getvalue()
    with pytest.raises(CommandError, match="already applied as bases on"):
        call_command("apply_scenario", str(scenario.pk), "--kind", "base", stdout=io.StringIO())

    # The centres had catchments: they are kept as history.
    out = io.StringIO()
    call_command("apply_scenario", str(scenario.pk), "--kind", "centre", stdout=out)
    history = CatchmentSnapshot.objects.get(layer="centres")
    assert f"The earlier catchments are kept as history {history.pk}." in out.getvalue()
    with pytest.raises(CommandError, match="already applied as centres on"):
        call_command("apply_scenario", str(scenario.pk), "--kind", "centre", stdout=io.StringIO())


def _names(scenario):
    return [s["name"] for s in scenario.results["sites"]]


def test_plan_json_prints_only_json_even_when_saving(demo):
    out = io.StringIO()
    call_command(
        "plan", "--model", "pmedian", "--k", "2", "--municipality", demo.code, "--json",
        "--save", "json run", stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    results = json.loads(out.getvalue())
    assert results["status"] == "optimal"
    assert Scenario.objects.filter(name="json run").exists()
