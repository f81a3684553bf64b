"""Staff pages show people words: schedules, log actions and objects, languages."""

import datetime as dt
import re
from pathlib import Path

import pytest

from nara.core.access import view_person
from nara.core.actions.people import do_create_person
from nara.core.models import PageFeedback, Schedule
from nara.workspace.words import ACTION_LABELS
from tests.workspace.conftest import user

pytestmark = pytest.mark.django_db


def weekly(centre, byday, **extra):
    return Schedule.objects.create(
        center=centre,
        kind="opening",
        freq=extra.pop("freq", "WEEKLY"),
        byday=byday,
        opens_at=dt.time(9),
        closes_at=dt.time(12),
        valid_from=dt.date(2020, 1, 1),
        **extra,
    )


def test_centre_page_shows_hours_in_words(as_manager, centres):
    Schedule.objects.filter(center=centres[0]).delete()
    weekly(centres[0], "MO,WE")
    weekly(centres[0], "1TU", freq="MONTHLY")
    weekly(centres[0], "FR", interval=2)
    html = as_manager.get(f"/staff/centres/{centres[0].pk}/").content.decode()
    assert "måndagar och onsdagar" in html
    assert "första tisdagar i månaden" in html
    assert "fredagar, varannan vecka" in html
    assert "FREQ=" not in html and "MO,WE" not in html


def test_hours_are_entered_with_weekday_boxes(as_manager, centres):
    schedule = weekly(centres[0], "MO,WE")
    html = as_manager.get(f"/staff/schedules/{schedule.pk}/").content.decode()
    boxes = re.findall(r'<input type="checkbox" name="byday" value="(\w\w)"[^>]*>', html)
    assert boxes == ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    checked = re.findall(r'name="byday" value="(\w\w)"[^>]*checked', html)
    assert checked == ["MO", "WE"]
    assert re.search(r'value="MO"[^>]*>\s*måndag</label>', html)


def test_ticked_days_and_week_of_month_are_saved_as_a_rule(as_manager, centres):
    data = {
        "kind": "dropin",
        "freq": "MONTHLY",
        "interval": 1,
        "byday": ["TU", "TH"],
        "week_of_month": "-1",
        "opens_at": "13:00",
        "closes_at": "15:00",
        "valid_from": "2020-01-01",
    }
    page = as_manager.post(f"/staff/centres/{centres[0].pk}/schedules/new/", data)
    assert page.status_code == 302
    assert Schedule.objects.filter(center=centres[0], byday="-1TU,-1TH").exists()
    html = as_manager.get(f"/staff/centres/{centres[0].pk}/").content.decode()
    assert "sista tisdagar och torsdagar i månaden" in html


def test_week_of_month_on_a_weekly_rule_is_refused(as_manager, centres):
    data = {
        "kind": "opening",
        "freq": "WEEKLY",
        "interval": 1,
        "byday": ["MO"],
        "week_of_month": "2",
        "opens_at": "10:00",
        "closes_at": "12:00",
        "valid_from": "2020-01-01",
    }
    before = Schedule.objects.count()
    page = as_manager.post(f"/staff/centres/{centres[0].pk}/schedules/new/", data)
    assert page.status_code == 400
    assert "bara att välja för månadsregler" in page.content.decode()
    assert Schedule.objects.count() == before


def test_log_review_shows_actions_and_objects_in_words(as_manager, centres):
    person = do_create_person(actor="test", center=centres[0], first_name="Ada", last_name="Lind")
    view_person(user("maria"), person.pk)
    weekly(centres[0], "SA")
    html = as_manager.get("/staff/audit/").content.decode()
    assert "person visad" in html and "person.view" not in html
    assert f"person {person.pk}" in html and "Lind" not in html
    assert "Center " + str(centres[0].pk) not in html


def test_log_review_names_a_centre(as_manager, centres):
    from nara.core.actions.centers import do_update

    do_update(actor=user("maria"), obj=centres[0], fields={"phone": "010-123 45 67"})
    html = as_manager.get("/staff/audit/").content.decode()
    assert "centrum ändrad" in html or "center ändrad" in html
    assert f">{centres[0].name}</td>" in html
    assert "center.update" not in html


def test_languages_are_shown_by_name(as_manager):
    PageFeedback.objects.create(path="/ar/", language="ar", helpful=True)
    html = as_manager.get("/staff/feedback/").content.decode()
    assert ">arabiska</td>" in html and ">ar</td>" not in html


def test_every_audit_action_in_the_code_has_words():
    """Log review shows actions in words: a new action without a label would show its code."""
    root = Path(__file__).resolve().parents[2] / "nara"
    codes = {
        code
        for path in root.rglob("*.py")
        for code in re.findall(r'action="([a-z_]+\.[a-z_]+)"', path.read_text(encoding="utf-8"))
    }
    assert len(codes) > 50
    assert sorted(codes - set(ACTION_LABELS)) == []
