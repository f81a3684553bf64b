"""Group activities: sessions and attendance, registered participants only where the service's
documentation level allows, a waiting list with "offer a place", own centre only, retention."""

import datetime as dt
import html

import pytest
import time_machine
from django.utils import timezone, translation

from nara.core.actions import groups
from nara.core.actions.contacts import level_refusal
from nara.core.actions.outreach import do_record_outreach
from nara.core.actions.people import do_create_person
from nara.core.actions.retention import do_purge, do_set_retention
from nara.core.models import (
    Alias,
    AuditEvent,
    GroupActivity,
    GroupParticipant,
    GroupSession,
    OutreachShift,
    Person,
    SessionAttendance,
    WaitingListEntry,
)
from nara.lib.personnummer import luhn_ok
from tests.workspace.conftest import user

pytestmark = pytest.mark.django_db
YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


def sv(message, **values):
    with translation.override("sv"):
        text = translation.gettext(message)
    return text % values if values else text


def page(response):
    return html.unescape(response.content.decode())


def sample_pnr(n):
    """A valid personnummer (check digit right) of a fictional person born in 1985."""
    nine = f"8503{10 + n:02d}{200 + n:03d}"
    check = next(d for d in range(10) if luhn_ok(f"{nine}{d}"))
    return f"1985{nine[2:6]}-{nine[6:]}{check}"


def make_group(centre, slug, capacity=10, title="Föräldragrupp"):
    return groups.do_create_group(
        actor=user("anna"),
        center=centre,
        service=centre.services.get(slug=slug),
        title=title,
        capacity=capacity,
    )


def session_yesterday(group):
    start = timezone.make_aware(dt.datetime.combine(YESTERDAY, dt.time(17, 0)))
    return groups.do_add_session(
        actor=user("anna"),
        activity=group,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=90),
        leaders=[user("anna")],
    )


def test_a_group_with_sessions_and_counted_attendance(as_worker, centres):
    centre = centres[0]
    service = centre.services.get(slug="motesplats")  # counts only
    response = as_worker.post(
        f"/staff/centres/{centre.pk}/groups/new/",
        {"title": "Läxcafé", "service": str(service.pk), "capacity": "20"},
    )
    group = GroupActivity.objects.get(center=centre, title="Läxcafé")
    assert response.status_code == 302 and group.capacity == 20
    new_session = page(as_worker.get(f"/staff/groups/{group.pk}/sessions/new/"))
    assert f'name="leaders" value="{user("anna").pk}"' in new_session
    response = as_worker.post(
        f"/staff/groups/{group.pk}/sessions/new/",
        {
            "date": YESTERDAY.isoformat(),
            "starts": "17:00",
            "ends": "18:30",
            "leaders": [str(user("anna").pk)],
            "partner_leader": "Lena från fritidsgården",
        },
    )
    assert response.status_code == 302
    session = GroupSession.objects.get(activity=group)
    assert list(session.leaders.all()) == [user("anna")]
    assert session.partner_leader == "Lena från fritidsgården"
    form = page(as_worker.get(f"/staff/groups/sessions/{session.pk}/"))
    assert 'name="attended"' in form and 'name="present"' not in form
    response = as_worker.post(f"/staff/groups/sessions/{session.pk}/", {"attended": "14"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.attended == 14
    assert AuditEvent.objects.filter(action="group.attendance", object_id=str(session.pk)).exists()
    text = page(as_worker.get(f"/staff/groups/{group.pk}/"))
    assert 'class="attended"' in text and "14" in text.split('class="attended"')[1][:40]


@pytest.mark.parametrize("attended", ["-1", "1001", "x", "9" * 30])
def test_absurd_attendance_is_refused(as_worker, centres, attended):
    session = session_yesterday(make_group(centres[0], "motesplats"))
    response = as_worker.post(f"/staff/groups/sessions/{session.pk}/", {"attended": attended})
    assert response.status_code == 400
    assert sv("Write a whole number from %(min)d to %(max)d.", min=0, max=1000) in page(response)
    session.refresh_from_db()
    assert session.attended is None


def test_attendance_waits_until_the_session_began(as_worker, centres):
    group = make_group(centres[0], "motesplats")
    start = timezone.now() + dt.timedelta(days=2)
    session = groups.do_add_session(
        actor=user("anna"), activity=group, starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    response = as_worker.post(f"/staff/groups/sessions/{session.pk}/", {"attended": "5"})
    assert response.status_code == 400
    session.refresh_from_db()
    assert session.attended is None


def test_registered_participants_on_a_full_service_are_audited(as_worker, centres):
    centre = centres[0]
    group = make_group(centre, "unga")  # full documentation
    number = sample_pnr(3)
    person = do_create_person(
        actor="test", center=centre, first_name="Amina", last_name="Deltagare", pnr=number
    )
    response = as_worker.post(f"/staff/groups/{group.pk}/register/", {"pnr": number})
    assert response.status_code == 302
    participant = GroupParticipant.objects.get(activity=group)
    assert participant.person == person and participant.alias is None
    written = AuditEvent.objects.get(action="participant.register")
    assert written.person_id == person.pk and written.actor_id == user("anna").pk

    text = page(as_worker.get(f"/staff/groups/{group.pk}/"))
    assert "Amina Deltagare" in text and number not in text
    read = AuditEvent.objects.filter(action="participant.view", person_id=person.pk)
    assert read.count() == 1

    session = session_yesterday(group)
    response = as_worker.post(
        f"/staff/groups/sessions/{session.pk}/",
        {"attended": "1", "present": [str(participant.pk)]},
    )
    assert response.status_code == 302
    assert SessionAttendance.objects.filter(session=session, participant=participant).exists()
    assert AuditEvent.objects.filter(action="participant.attendance", person_id=person.pk).exists()
    # More present than came: refused.
    response = as_worker.post(
        f"/staff/groups/sessions/{session.pk}/",
        {"attended": "0", "present": [str(participant.pk)]},
    )
    assert response.status_code == 400
    session.refresh_from_db()
    assert session.attended == 1


def test_a_person_of_another_centre_or_nobody_is_not_registered(as_worker, centres):
    group = make_group(centres[0], "unga")
    number = sample_pnr(4)
    do_create_person(
        actor="test", center=centres[1], first_name="Bo", last_name="Annan", pnr=number
    )
    for pnr in (number, sample_pnr(5)):
        response = as_worker.post(f"/staff/groups/{group.pk}/register/", {"pnr": pnr})
        assert response.status_code == 400
        assert sv(
            "No one with that number is registered at this centre. Register the person first. "
            "Nothing was saved."
        ) in page(response)
        assert pnr not in page(response)
    assert not GroupParticipant.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"pnr": "19121212-1212"},
        {"person": "PERSON"},
        {"alias_name": "Stjärnan"},
    ],
)
def test_a_crafted_registration_on_a_counts_only_service_changes_nothing(as_worker, centres, data):
    centre = centres[0]
    group = make_group(centre, "motesplats")
    person = do_create_person(actor="test", center=centre, first_name="Ci", last_name="Räknad")
    data = {k: (str(person.pk) if v == "PERSON" else v) for k, v in data.items()}
    searches = AuditEvent.objects.filter(action__startswith="person.").count()
    for url in (f"/staff/groups/{group.pk}/register/", f"/staff/groups/{group.pk}/waiting/"):
        response = as_worker.post(url, data)
        assert response.status_code == 400
        assert level_refusal(group.service) in page(response)
    assert not GroupParticipant.objects.exists() and not WaitingListEntry.objects.exists()
    assert not Alias.objects.filter(name="Stjärnan").exists()
    # Nothing was even looked up.
    assert AuditEvent.objects.filter(action__startswith="person.").count() == searches
    session = session_yesterday(group)
    response = as_worker.post(
        f"/staff/groups/sessions/{session.pk}/", {"attended": "3", "present": ["1"]}
    )
    assert response.status_code == 400 and level_refusal(group.service) in page(response)
    session.refresh_from_db()
    assert session.attended is None
    with pytest.raises(groups.GroupRefused):
        groups.do_register_participant(actor=user("anna"), activity=group, person=person)


def test_no_identity_groups_register_aliases_never_people(as_worker, centres):
    centre = centres[0]
    group = make_group(centre, "samtal")  # no identity
    response = as_worker.post(f"/staff/groups/{group.pk}/register/", {"alias_name": "Falken"})
    assert response.status_code == 302
    assert GroupParticipant.objects.get(activity=group).alias.name == "Falken"
    response = as_worker.post(f"/staff/groups/{group.pk}/register/", {"pnr": sample_pnr(6)})
    assert response.status_code == 400 and level_refusal(group.service) in page(response)
    response = as_worker.post(
        f"/staff/groups/{group.pk}/register/", {"alias_name": "19121212-1212"}
    )
    assert response.status_code == 400 and "19121212-1212" not in page(response)
    assert GroupParticipant.objects.filter(activity=group).count() == 1


def test_waiting_list_and_offering_a_place_when_one_is_free(as_worker, centres):
    centre = centres[0]
    group = make_group(centre, "unga", capacity=1)
    first = do_create_person(actor="test", center=centre, first_name="Ett", last_name="Först")
    second_pnr = sample_pnr(7)
    second = do_create_person(
        actor="test", center=centre, first_name="Två", last_name="Väntar", pnr=second_pnr
    )
    taken = groups.do_register_participant(actor=user("anna"), activity=group, person=first)
    # Full: registering another is refused and says to use the waiting list.
    response = as_worker.post(f"/staff/groups/{group.pk}/register/", {"pnr": second_pnr})
    assert response.status_code == 400
    assert sv("The group is full. Put them on the waiting list. Nothing was saved.") in page(
        response
    )
    response = as_worker.post(f"/staff/groups/{group.pk}/waiting/", {"pnr": second_pnr})
    assert response.status_code == 302
    entry = WaitingListEntry.objects.get(activity=group)
    assert entry.person == second and entry.added_on == timezone.localdate()
    assert AuditEvent.objects.filter(action="waiting.add", person_id=second.pk).exists()
    text = page(as_worker.get(f"/staff/groups/{group.pk}/"))
    assert "Två Väntar" in text
    assert f"/staff/groups/waiting/{entry.pk}/offer/" not in text  # no place is free

    response = as_worker.post(f"/staff/groups/waiting/{entry.pk}/offer/", follow=True)
    assert sv("No place is free. Nothing was changed.") in page(response)
    entry.refresh_from_db()
    assert entry.status == "waiting"

    as_worker.post(f"/staff/groups/participants/{taken.pk}/leave/")
    text = page(as_worker.get(f"/staff/groups/{group.pk}/"))
    assert f"/staff/groups/waiting/{entry.pk}/offer/" in text
    response = as_worker.post(f"/staff/groups/waiting/{entry.pk}/offer/")
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == "placed" and entry.decided_on == timezone.localdate()
    assert groups.active_participants(group).get().person == second
    assert AuditEvent.objects.filter(action="waiting.offer", person_id=second.pk).exists()


def test_a_counts_only_waiting_list_is_a_number(as_worker, centres):
    group = make_group(centres[0], "motesplats", capacity=4)
    form = page(as_worker.get(f"/staff/groups/{group.pk}/"))
    assert 'name="count"' in form and 'name="pnr"' not in form and 'name="alias_name"' not in form
    assert as_worker.post(f"/staff/groups/{group.pk}/waiting/", {"count": "3"}).status_code == 302
    response = as_worker.post(f"/staff/groups/{group.pk}/waiting/", {"count": "51"})
    assert response.status_code == 400
    entry = WaitingListEntry.objects.get(activity=group)
    assert entry.count == 3 and entry.person is None and entry.alias is None
    as_worker.post(f"/staff/groups/waiting/{entry.pk}/offer/")
    entry.refresh_from_db()
    assert entry.status == "placed" and groups.free_places(group) == 1


def test_another_centres_worker_cannot_reach_the_group(as_worker, as_other_worker, centres):
    centre = centres[0]
    group = make_group(centre, "unga", capacity=1)
    person = do_create_person(actor="test", center=centre, first_name="Dold", last_name="Deltagare")
    participant = groups.do_register_participant(actor=user("anna"), activity=group, person=person)
    other = do_create_person(actor="test", center=centre, first_name="Väntar", last_name="Här")
    entry = groups.do_add_to_waiting_list(actor=user("anna"), activity=group, person=other)
    session = session_yesterday(group)
    for url in (
        f"/staff/groups/{group.pk}/",
        f"/staff/groups/sessions/{session.pk}/",
        f"/staff/groups/{group.pk}/sessions/new/",
        f"/staff/centres/{centre.pk}/groups/",
    ):
        response = as_other_worker.get(url)
        assert response.status_code == 403 and "Dold" not in page(response)
    for url, data in (
        (f"/staff/groups/{group.pk}/register/", {"pnr": sample_pnr(8)}),
        (f"/staff/groups/waiting/{entry.pk}/offer/", {}),
        (f"/staff/groups/participants/{participant.pk}/leave/", {}),
        (f"/staff/groups/sessions/{session.pk}/", {"attended": "9"}),
    ):
        assert as_other_worker.post(url, data).status_code == 403
    participant.refresh_from_db()
    session.refresh_from_db()
    entry.refresh_from_db()
    assert participant.left_on is None and session.attended is None and entry.status == "waiting"


@pytest.mark.parametrize(
    "url, data",
    [
        ("groups/new", {"title": "\x00", "service": "²", "capacity": "-9", "partner": "x"}),
        ("groups/new", {"title": "Kurs", "service": "1", "capacity": "0"}),
        (
            "sessions/new",
            {"date": "9999-12-31", "starts": "23:00", "ends": "01:00", "past_midnight": "on"},
        ),  # fmt: skip
        ("sessions/new", {"date": "2026-02-30", "starts": "x", "leaders": "²"}),
        ("sessions/new", {"date": YESTERDAY.isoformat(), "starts": "10:00", "ends": "09:00"}),
        ("register", {"pnr": "\x00"}),
        ("register", {}),
        ("waiting", {"pnr": "9" * 40, "count": "1e309"}),
    ],
)
def test_garbage_is_never_a_server_error(as_worker, centres, url, data):
    centre = centres[0]
    group = make_group(centre, "unga")
    path = {
        "groups/new": f"/staff/centres/{centre.pk}/groups/new/",
        "sessions/new": f"/staff/groups/{group.pk}/sessions/new/",
        "register": f"/staff/groups/{group.pk}/register/",
        "waiting": f"/staff/groups/{group.pk}/waiting/",
    }[url]
    before = (GroupActivity.objects.count(), GroupSession.objects.count())
    response = as_worker.post(path, data)
    assert response.status_code == 400
    assert (GroupActivity.objects.count(), GroupSession.objects.count()) == before
    assert not GroupParticipant.objects.exists() and not WaitingListEntry.objects.exists()


def test_retention_purges_named_participants_and_keeps_the_counts(centres):
    centre, anna = centres[0], user("anna")
    group = make_group(centre, "unga", capacity=5)
    person = do_create_person(actor="test", center=centre, first_name="Gam", last_name="Mal")
    waiting = do_create_person(actor="test", center=centre, first_name="Vän", last_name="Tan")
    participant = groups.do_register_participant(actor=anna, activity=group, person=person)
    session = session_yesterday(group)
    groups.do_record_attendance(actor=anna, session=session, attended=4, present=[participant])
    groups.do_end_participation(actor=anna, participant=participant)
    entry = groups.do_add_to_waiting_list(actor=anna, activity=group, person=waiting)
    counted = groups.do_add_to_waiting_list(
        actor=anna, activity=make_group(centre, "motesplats"), count=2
    )
    start = timezone.now() - dt.timedelta(hours=5)
    shift = do_record_outreach(
        actor=anna,
        center=centre,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        staff=[anna],
        area=centre.catchment.first().area,
        counts={("13-17", "female"): 6},
    )
    do_set_retention(actor=anna, days={"participant": 30, "waiting_list": 60, "person": 3650})

    # Within the periods: everything stays.
    assert do_purge().counts["group_participants"] == 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=40)):
        counts = do_purge().counts
    assert counts["group_participants"] == 1 and counts["waiting_list"] == 0
    assert not GroupParticipant.objects.filter(pk=participant.pk).exists()
    assert not SessionAttendance.objects.exists()
    with time_machine.travel(timezone.now() + dt.timedelta(days=70)):
        counts = do_purge().counts
    assert counts["waiting_list"] == 1
    assert not WaitingListEntry.objects.filter(pk=entry.pk).exists()
    # Numbers are not personal data: the counted entry, the session's total and the outreach
    # shift stay; the people themselves are kept by their own (longer) period.
    assert WaitingListEntry.objects.filter(pk=counted.pk).exists()
    session.refresh_from_db()
    assert session.attended == 4
    assert OutreachShift.objects.filter(pk=shift.pk).exists()
    assert Person.objects.filter(pk__in=[person.pk, waiting.pk]).count() == 2


def test_retention_keeps_a_participant_of_a_group_that_still_meets(centres):
    centre, anna = centres[0], user("anna")
    group = make_group(centre, "unga")
    person = do_create_person(actor="test", center=centre, first_name="Kvar", last_name="Ännu")
    with time_machine.travel(timezone.now() - dt.timedelta(days=100)):
        groups.do_register_participant(actor=anna, activity=group, person=person)
    session_yesterday(group)
    do_set_retention(actor=anna, days={"participant": 30})
    assert do_purge().counts["group_participants"] == 0
    assert GroupParticipant.objects.filter(person=person).exists()
