"""Collaboration meetings with partners: meetings with agreed actions, owners, due dates and
status; overdue actions in the owner's today view; SSPF counts (counts only); own centre only."""

import datetime as dt

import pytest
from django.utils import timezone

from nara.core.actions.meetings import AgreedAction, do_record_meeting
from nara.core.actions.retention import DEFAULT_RETENTION_DAYS, do_purge
from nara.core.models import (
    AuditEvent,
    MeetingAction,
    Municipality,
    Partner,
    PartnerMeeting,
    RecordType,
    SSPFCount,
)
from tests.workspace.conftest import user

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def days(n):
    return today() + dt.timedelta(days=n)


@pytest.fixture
def partners(demo):
    school = Partner.objects.get(name="Ekbackens skola")
    police = Partner.objects.create(
        municipality=demo, name="Polisen, lokalpolisområde Exempelstad", kind="police"
    )
    return school, police


def meeting_form(centre, organisations, **extra):
    school, police = organisations
    data = {
        "held_on": str(days(-1)),
        "place": "Medborgarhuset",
        "partners": [str(school.pk), str(police.pk)],
        "other_participants": "fritidsgården",
        "topics": ["youth-crime", "school-absence"],
        "summary": "Oro för rekrytering kring skolan på kvällarna.",
        "action_0_what": "Kvällsvandring fredag",
        "action_0_owner": f"user:{user('anna').pk}",
        "action_0_due": str(days(6)),
        "action_1_what": "Extra närvaro vid skolan",
        "action_1_owner": f"partner:{police.pk}",
        "action_1_due": str(days(13)),
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def post_meeting(client, centre, data):
    return client.post(f"/staff/centres/{centre.pk}/meetings/new/", data, HTTP_ACCEPT_LANGUAGE="en")


def record(centre, *, by, held_on, actions, partners=(), **fields):
    return do_record_meeting(
        actor=by,
        center=centre,
        held_on=held_on,
        place="Skolan",
        partners=partners,
        actions=[AgreedAction(*a) for a in actions],
        **fields,
    )


def counts_now():
    return (
        PartnerMeeting.objects.count(),
        MeetingAction.objects.count(),
        AuditEvent.objects.filter(action__startswith="meeting").count(),
    )


# Recording a meeting


def test_a_meeting_with_two_actions_is_saved_audited_and_shown(as_worker, centres, partners):
    response = post_meeting(as_worker, centres[0], meeting_form(centres[0], partners))
    meeting = PartnerMeeting.objects.get()
    assert response.status_code == 302 and response.url == f"/staff/meetings/{meeting.pk}/"
    assert meeting.center == centres[0] and meeting.recorded_by == user("anna")
    assert set(meeting.partners.all()) == set(partners)
    assert meeting.topics == ["youth-crime", "school-absence"]
    actions = list(meeting.actions.order_by("due"))
    assert [a.what for a in actions] == ["Kvällsvandring fredag", "Extra närvaro vid skolan"]
    assert actions[0].owner == user("anna") and actions[1].owner == partners[1]
    assert {a.status for a in actions} == {"open"}
    audited = AuditEvent.objects.filter(action__startswith="meeting").order_by("pk")
    assert [e.action for e in audited] == [
        "meeting.create",
        "meeting_action.create",
        "meeting_action.create",
    ]
    assert audited[0].center_id == centres[0].pk
    html = as_worker.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Kvällsvandring fredag" in html and "Polisen, lokalpolisområde" in html
    assert "Young people and crime" in html  # topics in words, not codes
    assert "youth-crime" not in html


def test_the_centres_meetings_are_listed_newest_first(as_worker, centres, partners):
    anna = user("anna")
    older = record(centres[0], by=anna, held_on=days(-30), actions=[])
    newer = record(centres[0], by=anna, held_on=days(-2), actions=[("Ring", anna, days(-1))])
    elsewhere = record(centres[1], by=user("omar"), held_on=days(-1), actions=[])
    html = as_worker.get(
        f"/staff/centres/{centres[0].pk}/meetings/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert html.index(f'data-meeting="{newer.pk}"') < html.index(f'data-meeting="{older.pk}"')
    assert f'data-meeting="{elsewhere.pk}"' not in html
    assert "1 overdue" in html
    # The menu's entry opens the same list for someone who works at one centre.
    menu = as_worker.get("/staff/meetings/", HTTP_ACCEPT_LANGUAGE="en")
    assert menu.status_code == 200 and f'data-meeting="{newer.pk}"' in menu.content.decode()


def test_an_action_without_an_owner_is_refused_and_nothing_is_saved(as_worker, centres, partners):
    before = counts_now()
    data = meeting_form(centres[0], partners, action_1_owner="")
    response = post_meeting(as_worker, centres[0], data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "An agreed action needs an owner" in html
    assert counts_now() == before


def test_adding_an_action_without_an_owner_is_refused_too(as_worker, centres, partners):
    meeting = record(centres[0], by=user("anna"), held_on=days(-1), actions=[])
    before = counts_now()
    response = as_worker.post(
        f"/staff/meetings/{meeting.pk}/actions/new/",
        {"what": "Ring skolan", "owner": "", "due": str(days(3))},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "An agreed action needs an owner" in response.content.decode()
    assert counts_now() == before


def test_an_action_is_added_and_marked_done_with_who_and_when(as_worker, centres, partners):
    meeting = record(centres[0], by=user("anna"), held_on=days(-1), actions=[])
    response = as_worker.post(
        f"/staff/meetings/{meeting.pk}/actions/new/",
        {
            "what": "Bjud in fritidsgården",
            "owner": f"partner:{partners[0].pk}",
            "due": str(days(7)),
        },
    )
    assert response.status_code == 302
    action = meeting.actions.get()
    assert action.owner == partners[0]
    response = as_worker.post(
        f"/staff/meeting-actions/{action.pk}/status/", {"status": "done"}, follow=True
    )
    action.refresh_from_db()
    assert action.status == "done" and action.status_changed_by == user("anna")
    assert action.status_changed_at is not None
    assert AuditEvent.objects.filter(action="meeting_action.status", object_id=str(action.pk))
    assert "Anna" in response.content.decode()  # who changed it is shown


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"action_0_due": str(days(-2))}, "The due date cannot be before the meeting"),
        ({"action_0_owner": "user:999999"}, "Choose a colleague at this centre"),
        ({"action_0_owner": "partner:abc"}, "Choose a colleague at this centre"),
        ({"action_0_what": ""}, "Write what was agreed"),
        ({"held_on": "2026-02-30"}, "Enter a valid date"),
        ({"held_on": str(days(-400))}, "more than a year ago"),
        ({"place": ""}, "This field is required"),
        ({"summary": "Gäller 19900602-2397 i klass 7"}, "holds no personal data"),
        ({"partners": ["999999"]}, "Select a valid choice"),
        ({"topics": ["nonsense"]}, "Select a valid choice"),
        ({"action_1_due": "9" * 30}, "Enter a valid date"),
    ],
)
def test_bad_meeting_input_says_why_and_saves_nothing(
    as_worker, centres, partners, fields, message
):
    before = counts_now()
    response = post_meeting(as_worker, centres[0], meeting_form(centres[0], partners, **fields))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "19900602-2397" not in html  # a refused identity number is not written back
    assert counts_now() == before


def test_a_future_meeting_is_fine(as_worker, centres, partners):
    data = meeting_form(centres[0], partners, held_on=str(days(14)), action_0_due=str(days(20)))
    data.pop("action_1_what"), data.pop("action_1_owner"), data.pop("action_1_due")
    assert post_meeting(as_worker, centres[0], data).status_code == 302


def test_a_colleague_at_another_centre_cannot_own_an_action(as_worker, centres, partners):
    before = counts_now()
    data = meeting_form(centres[0], partners, action_0_owner=f"user:{user('omar').pk}")
    response = post_meeting(as_worker, centres[0], data)
    assert response.status_code == 400
    assert "Choose a colleague at this centre" in response.content.decode()
    assert counts_now() == before


def test_another_municipalitys_partner_is_refused(as_worker, centres, partners):
    other = Municipality.objects.create(code="0001", name="Annanstad")
    stranger = Partner.objects.create(municipality=other, name="Annan polis", kind="police")
    before = counts_now()
    data = meeting_form(centres[0], partners, action_1_owner=f"partner:{stranger.pk}")
    assert post_meeting(as_worker, centres[0], data).status_code == 400
    assert counts_now() == before


# Own centre only


def test_another_centres_worker_cannot_open_or_change_the_meeting(
    as_other_worker, centres, partners
):
    anna = user("anna")
    meeting = record(centres[0], by=anna, held_on=days(-1), actions=[("Ring", anna, days(2))])
    action = meeting.actions.get()
    assert as_other_worker.get(f"/staff/meetings/{meeting.pk}/").status_code == 403
    assert as_other_worker.get(f"/staff/centres/{centres[0].pk}/meetings/").status_code == 403
    assert as_other_worker.get(f"/staff/centres/{centres[0].pk}/meetings/new/").status_code == 403
    refused = as_other_worker.post(
        f"/staff/meeting-actions/{action.pk}/status/", {"status": "done"}
    )
    assert refused.status_code == 403
    added = as_other_worker.post(
        f"/staff/meetings/{meeting.pk}/actions/new/",
        {"what": "X", "owner": f"user:{user('omar').pk}", "due": str(days(3))},
    )
    assert added.status_code == 403
    action.refresh_from_db()
    assert action.status == "open" and meeting.actions.count() == 1
    # A meeting that does not exist answers the same.
    assert as_other_worker.get("/staff/meetings/999999/").status_code == 403


# The today view


def section(html, centre):
    start = html.index(f'id="meetings-{centre.pk}"')
    return html[start : html.index("</section>", start)]


def today_html(client):
    response = client.get("/staff/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_an_overdue_action_shows_in_its_owners_today_view_only(
    as_worker, as_manager, as_other_worker, centres, partners
):
    anna, maria = user("anna"), user("maria")
    record(
        centres[0],
        by=maria,
        held_on=days(-10),
        partners=partners,
        actions=[
            ("Annas kvällsvandring", anna, days(-3)),
            ("Marias rapport", maria, days(-2)),
            ("Inte försenad än", anna, today()),
        ],
    )
    record(
        centres[0],
        by=anna,
        held_on=days(-10),
        actions=[("Polisens genomgång", partners[1], days(-4))],
    )
    mine = section(today_html(as_worker), centres[0])
    assert "Annas kvällsvandring" in mine and "overdue by 3 days" in mine
    assert "Polisens genomgång" in mine  # a partner's action: the recorder follows it up
    assert "Marias rapport" not in mine and "Inte försenad än" not in mine
    hers = section(today_html(as_manager), centres[0])
    assert "Marias rapport" in hers
    assert "Annas kvällsvandring" not in hers and "Polisens genomgång" not in hers
    others = today_html(as_other_worker)
    for title in ("Annas kvällsvandring", "Marias rapport", "Polisens genomgång"):
        assert title not in others


def test_the_meetings_section_refreshes_alone_with_htmx(as_worker, centres):
    anna = user("anna")
    record(centres[0], by=anna, held_on=days(-9), actions=[("Ring skolan", anna, days(-1))])
    response = as_worker.get(
        f"/staff/today/centres/{centres[0].pk}/?section=meetings",
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith("<section")
    assert "Ring skolan" in html and "overdue by 1 day" in html and "<h1" not in html


def test_an_overdue_action_is_marked_done_from_the_today_view(as_worker, centres):
    anna = user("anna")
    meeting = record(centres[0], by=anna, held_on=days(-9), actions=[("Ring BVC", anna, days(-1))])
    action = meeting.actions.get()
    response = as_worker.post(
        f"/staff/meeting-actions/{action.pk}/status/", {"status": "done", "next": "/staff/"}
    )
    assert response.status_code == 302 and response.url == "/staff/"
    assert "Ring BVC" not in section(today_html(as_worker), centres[0])
    bad = as_worker.post(f"/staff/meeting-actions/{action.pk}/status/", {"status": "maybe"})
    assert bad.status_code == 302
    action.refresh_from_db()
    assert action.status == "done"


def test_an_action_whose_owner_left_shows_for_everyone_at_the_centre(as_manager, centres):
    anna = user("anna")
    meeting = record(centres[0], by=anna, held_on=days(-9), actions=[("Lämnat", anna, days(-1))])
    anna.memberships.all().delete()
    assert "Lämnat" in section(today_html(as_manager), centres[0])
    assert meeting.actions.get().status == "open"


# SSPF counts


def sspf(centre, partners, cells, tick=True):
    data = meeting_form(centre, partners)
    if tick:
        data["is_sspf"] = "on"
    data.update(cells)
    return data


def test_sspf_counts_are_saved_and_summed(as_worker, centres, partners):
    area = centres[0].catchment.first().area
    cells = {f"sspf_13-15_{area.pk}": "4", "sspf_16-17_outside": "2", "sspf_10-12_outside": ""}
    response = post_meeting(as_worker, centres[0], sspf(centres[0], partners, cells))
    assert response.status_code == 302
    meeting = PartnerMeeting.objects.get()
    assert meeting.is_sspf
    stored = {(c.age_band, c.area_id, c.area_outside, c.count) for c in meeting.sspf_counts.all()}
    assert stored == {("13-15", area.pk, False, 4), ("16-17", None, True, 2)}
    html = as_worker.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Young people discussed: 6" in html
    assert "never names" in html


def test_the_sspf_form_says_counts_only_and_names_only_as_a_referral(as_worker, centres):
    html = as_worker.get(
        f"/staff/centres/{centres[0].pk}/meetings/new/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "never names" in html and "as a referral" in html
    assert "No personal data" in html
    assert "10–12 years" in html and "18–20 years" in html


@pytest.mark.parametrize(
    "value, message",
    [
        ("-1", "A count cannot be negative."),
        ("501", "At most 500 young people in one cell."),
        ("9" * 30, "At most 500 young people in one cell."),
        ("två", "Write a whole number."),
        ("2.5", "Write a whole number."),
    ],
)
def test_bad_sspf_counts_are_refused(as_worker, centres, partners, value, message):
    before = counts_now()
    response = post_meeting(
        as_worker, centres[0], sspf(centres[0], partners, {"sspf_13-15_outside": value})
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts_now() == before and not SSPFCount.objects.exists()


def test_counts_without_the_sspf_tick_are_refused(as_worker, centres, partners):
    before = counts_now()
    data = sspf(centres[0], partners, {"sspf_13-15_outside": "3"}, tick=False)
    response = post_meeting(as_worker, centres[0], data)
    assert response.status_code == 400
    assert "for SSPF meetings only" in response.content.decode()
    assert counts_now() == before


def test_a_count_for_an_area_outside_the_catchment_cannot_be_crafted(centres, partners):
    from nara.core.actions.meetings import MeetingRefused

    foreign = centres[1].catchment.exclude(area__catchments__center=centres[0]).first().area
    with pytest.raises(MeetingRefused):
        record(
            centres[0],
            by=user("anna"),
            held_on=days(-1),
            actions=[],
            is_sspf=True,
            sspf_counts={("13-15", foreign.pk): 2},
        )
    assert not PartnerMeeting.objects.exists()


# Retention


def test_meetings_are_purged_after_their_period_unless_an_action_is_still_open(centres):
    anna = user("anna")
    with_open = record(
        centres[0], by=anna, held_on=days(-5), actions=[("Lång insats", anna, days(700))]
    )
    closed = record(centres[0], by=anna, held_on=days(-5), actions=[("Klar", anna, days(1))])
    closed.actions.update(status="done")
    period = DEFAULT_RETENTION_DAYS[RecordType.MEETING]
    kept = do_purge(now=timezone.now() + dt.timedelta(days=period - 10))
    assert kept.counts["meetings"] == 0
    gone = do_purge(now=timezone.now() + dt.timedelta(days=period + 1))
    assert gone.counts["meetings"] == 1
    assert not PartnerMeeting.objects.filter(pk=closed.pk).exists()
    assert not MeetingAction.objects.filter(meeting_id=closed.pk).exists()
    assert PartnerMeeting.objects.filter(pk=with_open.pk).exists()
