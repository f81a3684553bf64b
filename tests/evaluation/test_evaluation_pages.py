"""The evaluation pages with the demo's series: a planted improvement found, plain conclusions,
bad input refused with a message and nothing created, access per persona."""

import datetime as dt
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nara.core.models import Area, AuditEvent
from nara.evaluation import services
from nara.evaluation.demo import build_demo_outcomes
from nara.evaluation.models import Evaluation, OutcomeValue
from nara.evaluation.summary import latest_summary

pytestmark = pytest.mark.django_db
NEW = "/staff/insights/evaluations/new/"
LIST = "/staff/insights/evaluations/"


@pytest.fixture
def outcomes(demo):
    build_demo_outcomes(demo)
    return Evaluation.objects.get()


def form_data(evaluation, **changes):
    """The POST of the new-evaluation form, from a saved evaluation's choices."""
    data = {
        "municipality": evaluation.municipality.code,
        "name": "Test",
        "outcome": "placements_external",
        "first_month": evaluation.period_start.strftime("%Y-%m"),
        "last_month": evaluation.period_end.strftime("%Y-%m"),
        "matching": "need",
    }
    for row in evaluation.areas.all():
        if row.role == "treated":
            data[f"role_{row.area_id}"] = "treated"
            data[f"opened_{row.area_id}"] = row.opened_on.isoformat()
    data.update(changes)
    return data


def test_the_demo_evaluation_finds_the_planted_improvement(outcomes, centres):
    result = outcomes.result
    assert result["treated_areas"] >= 2 and result["comparison_areas"] == result["treated_areas"]
    assert result["low"] < result["estimate"] < result["high"] < 0
    assert result["openings"] == 2
    summary = latest_summary()
    assert summary["interval"] == (result["low"], result["high"])
    assert summary["svg"].startswith("<svg") and "<title" in summary["svg"]
    assert "<desc" in summary["svg"]
    assert latest_summary(centre=centres[0])["id"] == outcomes.pk
    assert latest_summary(centre=centres[2]) is None  # never opened
    assert AuditEvent.objects.filter(action="evaluation.create").exists()


def test_the_result_page_shows_the_estimate_with_its_interval(outcomes, as_analyst):
    page = as_analyst.get(f"{LIST}{outcomes.pk}/").content.decode()
    assert "95 %-intervall" in page
    assert "lägre i de behandlade områdena" in page
    assert "<svg" in page and "<table" in page
    assert "reports_of_concern" not in page  # people words, not codes
    assert "Andelen uteblivna besök utvärderas inte" in page


def test_an_analyst_makes_an_evaluation_matched_on_need(outcomes, as_analyst):
    response = as_analyst.post(NEW, form_data(outcomes))
    assert response.status_code == 302, response.content.decode()[:3000]
    made = Evaluation.objects.exclude(pk=outcomes.pk).get()
    assert made.outcome == "placements_external"
    assert made.areas.filter(role="comparison").count() == made.result["comparison_areas"]
    assert made.result["estimate"] < 0
    page = as_analyst.get(response["Location"]).content.decode()
    assert "externa placeringar" in page


def test_no_effect_says_no_effect_can_be_shown(outcomes, as_analyst):
    rng = random.Random(4)
    lines = ["områdeskod;månad;mått;värde"]
    month = outcomes.period_start
    while month <= outcomes.period_end:
        for area in Area.objects.filter(municipality=outcomes.municipality):
            value = f"{10 + rng.gauss(0, 1):.2f}".replace(".", ",")
            lines.append(f"{area.code};{month:%Y-%m};annat: Fritidsbesök;{value}")
        month = (month + dt.timedelta(days=32)).replace(day=1)
    upload = SimpleUploadedFile("lika.csv", "\n".join(lines).encode("cp1252"))
    assert as_analyst.post("/staff/insights/outcomes/", {"file": upload}).status_code == 302
    response = as_analyst.post(NEW, form_data(outcomes, outcome="other:Fritidsbesök"))
    assert response.status_code == 302, response.content.decode()[:3000]
    page = as_analyst.get(response["Location"]).content.decode()
    made = Evaluation.objects.exclude(pk=outcomes.pk).get()
    assert made.result["low"] < 0 < made.result["high"]
    assert "Ingen effekt kan påvisas" in page
    assert "Det visar inte att det saknades effekt" in page


def _first_treated(evaluation):
    return evaluation.areas.filter(role="treated").order_by("area_id").first()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no comparison", "Välj minst ett jämförelseområde"),
        ("no opening date", "saknar öppningsdatum"),
        ("months reversed", "Första månaden måste komma före sista månaden"),
        ("opening outside the period", "måste infalla efter första månaden"),
        ("treated comparison", "kan inte vara jämförelseområde"),
        ("no treated", "Välj minst ett behandlat område"),
        ("bad month", "Skriv månaden som 2024-01"),
        ("unknown outcome", "Välj ett giltigt alternativ"),
    ],
)
def test_bad_input_gives_a_message_and_creates_nothing(outcomes, as_analyst, case, message):
    first = _first_treated(outcomes)
    unopened = services.opened_catchments(outcomes.municipality)
    never = Area.objects.filter(municipality=outcomes.municipality).exclude(pk__in=unopened)
    data = form_data(outcomes)
    if case == "no comparison":
        data["matching"] = "chosen"
    elif case == "no opening date":
        data[f"opened_{first.area_id}"] = ""
    elif case == "months reversed":
        data["first_month"], data["last_month"] = data["last_month"], data["first_month"]
    elif case == "opening outside the period":
        data[f"opened_{first.area_id}"] = "2001-05-01"
    elif case == "treated comparison":
        second = outcomes.areas.filter(role="treated").exclude(pk=first.pk).first()
        data[f"role_{second.area_id}"] = "comparison"
        data["matching"] = "chosen"
        data[f"role_{never.first().pk}"] = "comparison"
    elif case == "no treated":
        data = {k: v for k, v in data.items() if not k.startswith(("role_", "opened_"))}
    elif case == "bad month":
        data["first_month"] = "2024-13"
    elif case == "unknown outcome":
        data["outcome"] = "nara:no_shows"
    events = AuditEvent.objects.count()
    response = as_analyst.post(NEW, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Evaluation.objects.count() == 1
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    "garbage",
    [
        {},
        {"name": "\x00", "outcome": "x" * 5000, "first_month": "9" * 40, "last_month": "-1"},
        {"first_month": "0000-00", "last_month": "9999-99", "matching": "need"},
        {"role_999999": "treated", "opened_999999": "2024-01-01", "matching": "chosen"},
    ],
)
def test_garbage_never_gives_a_server_error(outcomes, as_analyst, garbage):
    response = as_analyst.post(NEW, garbage)
    assert response.status_code == 400
    assert Evaluation.objects.count() == 1


def test_access_per_persona(
    outcomes, as_admin, as_analyst, as_manager, as_worker, as_other_worker, as_partner
):
    detail = f"{LIST}{outcomes.pk}/"
    for client in (as_admin, as_analyst, as_manager):
        assert client.get(detail).status_code == 200
        assert client.get(LIST).status_code == 200
    assert outcomes.name in as_manager.get(LIST).content.decode()
    for client in (as_worker, as_other_worker, as_partner):
        assert client.get(detail).status_code == 403
        assert client.get(LIST).status_code == 403
    assert as_manager.get(NEW).status_code == 403
    assert as_manager.post(NEW, form_data(outcomes)).status_code == 403
    assert as_manager.get("/staff/insights/outcomes/").status_code == 403
    assert as_analyst.get(f"{LIST}999999/").status_code == 404
    assert Evaluation.objects.count() == 1


def test_the_menu_leads_analysts_and_managers_to_the_evaluations(outcomes, as_analyst, as_worker):
    assert f'href="{LIST}"' in as_analyst.get(LIST).content.decode()
    assert f'href="{LIST}"' not in as_worker.get("/staff/").content.decode()


def test_the_new_form_fills_in_the_opened_catchments(outcomes, as_analyst):
    page = as_analyst.get(NEW).content.decode()
    first = _first_treated(outcomes)
    assert f'value="{first.opened_on.isoformat()}"' in page
    assert OutcomeValue.objects.exists()
