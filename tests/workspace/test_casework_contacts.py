"""Quick contact registration and support offers: documentation levels, bad input, audit,
entry points, the offer's answer/start/end, the funnel, and who may do it."""

import datetime as dt

import pytest
from django.utils import timezone
from i18nfield.strings import LazyI18nString

from nara.core.actions import booking
from nara.core.actions import contacts as actions
from nara.core.actions import offers as offer_actions
from nara.core.actions.people import do_create_person
from nara.core.models import (
    Alias,
    Area,
    AuditEvent,
    Contact,
    DropInHeadcount,
    Service,
    Slot,
    SupportOffer,
)
from tests.workspace.conftest import user

pytestmark = pytest.mark.django_db

COUNTS_ONLY = "motesplats"  # Öppen mötesplats
NO_IDENTITY = "samtal"  # Stödsamtal för föräldrar
FULL = "unga"  # Stöd till unga och familjer
REFUSED_COUNTS_ONLY = (
    "”Öppen mötesplats” dokumenteras bara som antal: ingen person, inget hushåll, alias eller "
    "anteckning får sparas. Inget sparades."
)


def service(slug):
    return Service.objects.get(slug=slug)


def new_url(centre, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/staff/centres/{centre.pk}/contacts/new/?{query}"


def today():
    return timezone.localdate()


def contact_data(slug, **extra):
    data = {
        "service": service(slug).pk,
        "channel": "drop_in",
        "occurred_on": today().isoformat(),
        "age_band": "unknown",
        "gender": "not_stated",
        "previously_known": "unknown",
        "offer_answer": "no_answer",
        "topics": ["parenting"],
    }
    data.update(extra)
    return data


def post_contact(client, centre, slug, **extra):
    return client.post(f"/staff/centres/{centre.pk}/contacts/new/", contact_data(slug, **extra))


def snapshot():
    return (
        Contact.objects.count(),
        Alias.objects.count(),
        SupportOffer.objects.count(),
        AuditEvent.objects.filter(action__in=["contact.create", "offer.create"]).count(),
    )


def text(response):
    return response.content.decode()


@pytest.fixture
def service_elsewhere(demo, centres):
    """A service the municipality has, but the first centre does not give."""
    other = Service.objects.create(
        municipality=demo,
        slug="extra",
        name=LazyI18nString({"sv": "Läxhjälp", "en": "Homework help"}),
        topic="school-absence",
        description=LazyI18nString({"sv": "x", "en": "x"}),
        decision_reference="SN 1",
        decision_date=dt.date(2025, 1, 1),
        documentation_level="no_identity",
    )
    other.centers.set([centres[1]])
    return other


# The form ------------------------------------------------------------------------------------


def test_blank_form_opens_with_defaults_and_only_what_the_level_allows(as_worker, centres):
    page = text(as_worker.get(new_url(centres[0], service=service(NO_IDENTITY).pk)))
    assert f'value="{today().isoformat()}"' in page
    assert 'name="topics" value="parenting"' in page and "autofocus" in page
    assert 'name="alias_name"' in page and 'name="note"' in page
    assert 'name="person"' not in page
    assert "Registrera en kontakt" in page  # Swedish staff UI

    counts = text(as_worker.get(new_url(centres[0], service=service(COUNTS_ONLY).pk)))
    for field in ("alias_name", "generate_alias", "note", "person", "household"):
        assert f'name="{field}"' not in counts
    assert "Bara antal: inget om vem besökaren är registreras." in counts


def test_centre_with_several_services_asks_which_and_one_service_is_preselected(as_worker, centres):
    page = text(as_worker.get(new_url(centres[0])))
    assert "Vilken insats vid" in page and f"service={service(COUNTS_ONLY).pk}" in page
    centres[0].services.set([service(COUNTS_ONLY)])
    page = text(as_worker.get(new_url(centres[0])))
    assert 'name="topics"' in page and "Öppen mötesplats" in page


# Documentation levels --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "crafted",
    [
        {"alias_name": "Kalle"},
        {"first_name": "Kalle", "last_name": "Andersson"},
        {"note": "Kalle Andersson, Storgatan 1"},
        {"generate_alias": "on"},
        {"person": "PERSON"},
    ],
)
def test_crafted_post_with_a_name_on_counts_only_changes_nothing_and_says_why(
    as_worker, centres, crafted
):
    person = do_create_person(actor="test", center=centres[0], first_name="Kalle", last_name="A")
    crafted = {k: (person.pk if v == "PERSON" else v) for k, v in crafted.items()}
    before = snapshot()
    response = post_contact(as_worker, centres[0], COUNTS_ONLY, **crafted)
    assert response.status_code == 400
    assert REFUSED_COUNTS_ONLY in text(response)
    assert snapshot() == before


def test_no_identity_takes_an_alias_reused_when_the_resident_returns(as_worker, centres):
    first = post_contact(as_worker, centres[0], NO_IDENTITY, alias_name="Solros")
    assert first.status_code == 302
    again = post_contact(as_worker, centres[0], NO_IDENTITY, alias_name="solros")
    assert again.status_code == 302
    aliases = Alias.objects.filter(center=centres[0], name__iexact="solros")
    assert aliases.count() == 1
    assert aliases.get().contacts.count() == 2

    generated = post_contact(as_worker, centres[0], NO_IDENTITY, generate_alias="on")
    made = Contact.objects.latest("pk").alias
    assert made is not None and made.name not in ("", "Solros")
    page = text(as_worker.get(generated.url))
    assert f"Alias: {made.name}." in page


def test_no_identity_refuses_a_person(as_worker, centres):
    person = do_create_person(actor="test", center=centres[0], first_name="Lina", last_name="B")
    before = snapshot()
    response = post_contact(as_worker, centres[0], NO_IDENTITY, person=person.pk)
    assert response.status_code == 400
    assert "dokumenteras utan identitet" in text(response)
    assert snapshot() == before


def test_full_documentation_links_a_person_and_audits_it(as_worker, centres):
    person = do_create_person(actor="test", center=centres[0], first_name="Lina", last_name="B")
    blank = text(as_worker.get(new_url(centres[0], service=service(FULL).pk)))
    assert "öppna dem först och registrera den därifrån" in blank
    form = text(as_worker.get(new_url(centres[0], service=service(FULL).pk, person=person.pk)))
    assert "Lina B" in form and 'name="alias_name"' not in form
    response = post_contact(as_worker, centres[0], FULL, person=person.pk)
    assert response.status_code == 302
    contact = Contact.objects.latest("pk")
    assert contact.person == person and contact.alias is None
    event = AuditEvent.objects.filter(action="contact.create").latest("id")
    assert event.person_id == person.pk and event.object_id == str(contact.pk)
    # An alias on a full-documentation service is refused.
    response = post_contact(as_worker, centres[0], FULL, alias_name="Solros")
    assert response.status_code == 400 and "dokumenteras fullt ut" in text(response)


def test_full_documentation_refuses_a_person_of_another_centre(as_worker, as_other_worker, centres):
    elsewhere = do_create_person(actor="test", center=centres[1], first_name="O", last_name="P")
    before = snapshot()
    assert post_contact(as_worker, centres[0], FULL, person=elsewhere.pk).status_code == 403
    assert snapshot() == before


def test_action_refuses_what_the_level_forbids_even_without_the_form(centres):
    anna = user("anna")
    with pytest.raises(actions.ContactRefused):
        actions.do_register_contact(
            actor=anna,
            center=centres[0],
            service=service(COUNTS_ONLY),
            channel="drop_in",
            occurred_on=today(),
            alias_name="Kalle",
        )
    assert not Contact.objects.exists() and not Alias.objects.exists()


# Saving, the note, the audit trail, the evening's running count --------------------------------


def test_contact_with_offer_is_saved_note_encrypted_and_audited_masked(as_worker, centres):
    area = Area.objects.filter(catchments__center=centres[0]).first()
    response = post_contact(
        as_worker,
        centres[0],
        NO_IDENTITY,
        alias_name="Solros",
        note="Orolig för sonens skolgång",
        area=area.pk,
        duration_minutes=20,
        offer_service=service(NO_IDENTITY).pk,
        offer_answer="accepted",
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.note == "Orolig för sonens skolgång"
    assert "Orolig" not in contact.note_encrypted
    assert contact.area == area and contact.staff == user("anna")
    offer = SupportOffer.objects.get()
    assert offer.contact == contact and offer.answer == "accepted"
    assert offer.alias == contact.alias and offer.answered_on == today()
    created = AuditEvent.objects.get(action="contact.create")
    assert created.changes["note"] == [None, "•••"]
    assert "Orolig" not in str(created.changes)
    assert AuditEvent.objects.filter(action="offer.create", object_id=str(offer.pk)).exists()


def test_many_contacts_in_a_row_keep_the_service_and_count_up(as_worker, centres):
    url = None
    for n in range(1, 4):
        response = post_contact(as_worker, centres[0], COUNTS_ONLY, topics=["loneliness"])
        assert response.status_code == 302
        url = response.url
        page = text(as_worker.get(url))
        assert f"Sparat. {n} kontakter registrerade {today().isoformat()}." in page
        assert f"Kontakter registrerade {today().isoformat()}: {n}" in page
    assert f"service={service(COUNTS_ONLY).pk}" in url and "channel=drop_in" in url
    # The page comes back empty: no topic ticked.
    assert "checked" not in page.split('name="topics"')[1].split(">")[0]


def test_offer_subject_follows_the_offered_service_level(as_worker, centres):
    response = post_contact(
        as_worker,
        centres[0],
        NO_IDENTITY,
        alias_name="Solros",
        offer_service=service(COUNTS_ONLY).pk,
        offer_answer="declined",
    )
    assert response.status_code == 302
    offer = SupportOffer.objects.get()
    assert offer.alias is None and offer.answer == "declined"


# Bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"occurred_on": "2099-01-01"}, "Datumet kan inte ligga i framtiden."),
        ({"occurred_on": "2001-01-01"}, "Datumet kan inte ligga mer än ett år bakåt."),
        ({"topics": ["parenting", "astrology"]}, "astrology finns inte bland"),
        ({"duration_minutes": "0"}, "större än eller lika med 1"),
        ({"duration_minutes": "100000"}, "mindre än eller lika med 480"),
        ({"area": "999999"}, "999999 finns inte bland"),
        ({"channel": "telepathy"}, "telepathy finns inte bland"),
        ({"offer_answer": "maybe"}, "maybe finns inte bland"),
        ({"alias_name": "Solros", "generate_alias": "on"}, "Ange ett alias: valt eller skapat"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(as_worker, centres, extra, message):
    before = snapshot()
    response = post_contact(as_worker, centres[0], NO_IDENTITY, **extra)
    assert response.status_code == 400
    assert message in text(response)
    assert snapshot() == before


def test_future_date_and_unknown_topic_are_refused_by_the_action_too(centres):
    kwargs = dict(
        actor=user("anna"), center=centres[0], service=service(COUNTS_ONLY), channel="drop_in"
    )
    with pytest.raises(actions.ContactRefused, match="framtiden"):
        actions.do_register_contact(occurred_on=today() + dt.timedelta(days=1), **kwargs)
    with pytest.raises(actions.ContactRefused, match="hjälpområde"):
        actions.do_register_contact(occurred_on=today(), topics=["astrology"], **kwargs)
    with pytest.raises(actions.ContactRefused, match="minuter"):
        actions.do_register_contact(occurred_on=today(), duration_minutes=600, **kwargs)
    assert not Contact.objects.exists()


def test_area_outside_the_catchment_is_refused_and_outside_is_recorded(as_worker, centres):
    foreign = Area.objects.exclude(catchments__center=centres[0]).first()
    before = snapshot()
    response = post_contact(as_worker, centres[0], COUNTS_ONLY, area=foreign.pk)
    assert response.status_code == 400 and snapshot() == before
    assert post_contact(as_worker, centres[0], COUNTS_ONLY, area="outside").status_code == 302
    contact = Contact.objects.get()
    assert contact.area is None and contact.area_outside


def test_offer_for_a_service_the_centre_does_not_give_is_refused(
    as_worker, centres, service_elsewhere
):
    before = snapshot()
    response = post_contact(as_worker, centres[0], COUNTS_ONLY, offer_service=service_elsewhere.pk)
    assert response.status_code == 400
    assert "Välj ett giltigt alternativ" in text(response)
    assert snapshot() == before
    # Crafted straight at the action: a clear message, nothing changed.
    with pytest.raises(actions.ContactRefused) as refused:
        actions.do_register_contact(
            actor=user("anna"),
            center=centres[0],
            service=service(COUNTS_ONLY),
            channel="drop_in",
            occurred_on=today(),
            offer_service=service_elsewhere,
        )
    assert "ger inte ”Läxhjälp”. Inget sparades." in str(refused.value.message)
    assert snapshot() == before
    # Nor can the contact itself be for such a service.
    response = as_worker.get(new_url(centres[0], service=service_elsewhere.pk))
    assert 'name="topics"' not in text(response)


def test_garbage_never_gives_a_server_error_and_saves_nothing(
    as_worker, centres, service_elsewhere
):
    before = snapshot()
    garbage = {
        "service": "abc",
        "person": "x",
        "household": "-1",
        "appointment": "abc",
        "duration_minutes": "ten",
        "occurred_on": "2026-02-30",
        "topics": "\x00",
        "area": "abc",
        "offer_service": "999999",
    }
    url = f"/staff/centres/{centres[0].pk}/contacts/new/"
    response = as_worker.post(url, garbage)
    assert response.status_code == 400
    assert "Välj en insats som centret ger. Inget sparades." in text(response)
    for service_pk in (service(COUNTS_ONLY).pk, service(FULL).pk, service_elsewhere.pk):
        response = as_worker.post(url, {**garbage, "service": service_pk})
        assert response.status_code in (400, 403), response.status_code
    for query in ("?date=nonsense&channel=x", "?appointment=abc", "?person=abc&service=1"):
        assert as_worker.get(url + query).status_code < 500
    headcount = f"/staff/centres/{centres[0].pk}/headcount/"
    assert as_worker.post(headcount, {"date": "x", "count": "-1"}).status_code == 302
    offer = _offer(centres[0])
    for data in ({"step": "answer"}, {"step": "end", "ended_on": "x"}, {"step": "nope"}):
        assert offer_post(as_worker, offer, **data).status_code < 500
    offer.refresh_from_db()
    assert offer.answer == "no_answer" and not DropInHeadcount.objects.exists()
    assert Contact.objects.count() == before[0] + 1  # only the one made for the offer


# Entry points --------------------------------------------------------------------------------


def _attended_appointment(centre, status="attended"):
    slot = Slot.objects.filter(center=centre).first()
    appointment, _token, _code = booking.do_book(
        slot_id=slot.pk, mode=slot.modes[0], alias="Test", language="sv", topic="money"
    )
    # The visit took place an hour ago.
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    Slot.objects.filter(pk=slot.pk).update(starts_at=an_hour_ago, ends_at=timezone.now())
    appointment.refresh_from_db()
    appointment.slot.refresh_from_db()
    booking.do_mark(actor="test", appointment=appointment, status=status)
    appointment.refresh_from_db()
    return appointment


def test_from_an_attended_appointment_prefilled_and_linked_from_the_calendar(as_worker, centres):
    appointment = _attended_appointment(centres[0])
    day = timezone.localtime(appointment.slot.starts_at).date()
    calendar = text(as_worker.get(f"/staff/centres/{centres[0].pk}/calendar/?date={day}"))
    link = f"/staff/centres/{centres[0].pk}/contacts/new/?appointment={appointment.pk}"
    assert link in calendar
    page = text(as_worker.get(link + f"&service={service(NO_IDENTITY).pk}"))
    assert '<option value="booked" selected>' in page
    assert f'value="{day.isoformat()}"' in page
    assert 'value="money" checked' in page or 'value="money"\n' in page or "checked" in page


def test_from_an_attended_appointment_saves_the_link(as_worker, centres):
    appointment = _attended_appointment(centres[0])
    day = timezone.localtime(appointment.slot.starts_at).date()
    response = post_contact(
        as_worker,
        centres[0],
        NO_IDENTITY,
        appointment=appointment.pk,
        channel="booked",
        occurred_on=day.isoformat(),
    )
    assert response.status_code == 302
    assert Contact.objects.get().appointment == appointment


def test_a_visit_not_attended_cannot_become_a_contact(centres):
    appointment = _attended_appointment(centres[0], status="no_show")
    with pytest.raises(actions.ContactRefused):
        actions.do_register_contact(
            actor=user("anna"),
            center=centres[0],
            service=service(COUNTS_ONLY),
            channel="booked",
            occurred_on=today(),
            appointment=appointment,
        )


def test_from_a_callback_and_a_question_channel_prefilled(as_worker, centres):
    called, _code = booking.do_request_callback(
        center=centres[0], alias="Test", phone="+46701234567", language="sv", when="any"
    )
    asked, _code = booking.do_ask_question(
        center=centres[0], question="Hur gör jag?", language="sv", topic="housing"
    )
    link = f"/staff/centres/{centres[0].pk}/contacts/new/?callback={called.pk}"
    assert link in text(as_worker.get(f"/staff/callbacks/{called.pk}/"))
    page = text(as_worker.get(link + f"&service={service(COUNTS_ONLY).pk}"))
    assert '<option value="phone" selected>' in page
    link = f"/staff/centres/{centres[0].pk}/contacts/new/?question={asked.pk}"
    assert link in text(as_worker.get(f"/staff/questions/{asked.pk}/"))
    page = text(as_worker.get(link + f"&service={service(COUNTS_ONLY).pk}"))
    assert '<option value="digital" selected>' in page
    response = post_contact(as_worker, centres[0], NO_IDENTITY, channel="phone", callback=called.pk)
    assert response.status_code == 302 and Contact.objects.get().callback == called


def test_drop_in_evening_headcount_plus_contacts(as_worker, centres):
    url = new_url(centres[0], channel="drop_in", service=service(COUNTS_ONLY).pk)
    page = text(as_worker.get(url))
    assert "Antal besökare på öppet hus" in page
    post = {"date": today().isoformat(), "count": "14", "service": service(COUNTS_ONLY).pk}
    response = as_worker.post(f"/staff/centres/{centres[0].pk}/headcount/", post)
    assert response.status_code == 302
    assert DropInHeadcount.objects.get(center=centres[0], date=today()).count == 14
    as_worker.post(f"/staff/centres/{centres[0].pk}/headcount/", {**post, "count": "15"})
    assert DropInHeadcount.objects.get(center=centres[0], date=today()).count == 15
    assert AuditEvent.objects.filter(action="headcount.record").count() == 2
    assert "Antal besökare: 15" in text(as_worker.get(response.url))
    future = {**post, "date": (today() + dt.timedelta(days=1)).isoformat()}
    response = as_worker.post(f"/staff/centres/{centres[0].pk}/headcount/", future, follow=True)
    assert "Datumet kan inte ligga i framtiden." in text(response)
    assert DropInHeadcount.objects.count() == 1


# Support offers ------------------------------------------------------------------------------


def _offer(centre, answer="no_answer", offered_on=None):
    contact = actions.do_register_contact(
        actor=user("anna"),
        center=centre,
        service=service(NO_IDENTITY),
        channel="drop_in",
        occurred_on=offered_on or today(),
        alias_name="Solros",
        offer_service=service(NO_IDENTITY),
        offer_answer=answer,
    )
    return contact.offers.get()


def offer_post(client, offer, **data):
    return client.post(f"/staff/offers/{offer.pk}/", data)


def test_offer_answered_started_and_ended_on_its_page(as_worker, centres):
    offer = _offer(centres[0], offered_on=today() - dt.timedelta(days=10))
    day = lambda n: (today() - dt.timedelta(days=n)).isoformat()  # noqa: E731
    assert "Solros" in text(as_worker.get(f"/staff/offers/{offer.pk}/"))
    response = offer_post(as_worker, offer, step="answer", answer="thinking", answered_on=day(9))
    assert response.status_code == 302
    response = offer_post(as_worker, offer, step="answer", answer="accepted", answered_on=day(8))
    offer.refresh_from_db()
    assert offer.answer == "accepted" and offer.answered_on == today() - dt.timedelta(days=8)
    assert offer_post(as_worker, offer, step="start", started_on=day(7)).status_code == 302
    response = offer_post(as_worker, offer, step="end", ended_on=day(2), outcome="completed")
    assert response.status_code == 302
    offer.refresh_from_db()
    assert (offer.started_on, offer.ended_on, offer.outcome) == (
        today() - dt.timedelta(days=7),
        today() - dt.timedelta(days=2),
        "completed",
    )
    actions_seen = set(
        AuditEvent.objects.filter(object_type="SupportOffer").values_list("action", flat=True)
    )
    assert {"offer.create", "offer.answer", "offer.start", "offer.end"} <= actions_seen


def test_offer_end_before_start_and_future_dates_are_refused(as_worker, centres):
    offer = _offer(centres[0], answer="accepted", offered_on=today() - dt.timedelta(days=10))
    future = (today() + dt.timedelta(days=1)).isoformat()
    response = offer_post(as_worker, offer, step="start", started_on=future)
    assert response.status_code == 400 and "Datumet kan inte ligga i framtiden." in text(response)
    offer_post(as_worker, offer, step="start", started_on=(today() - dt.timedelta(days=3)))
    early = (today() - dt.timedelta(days=5)).isoformat()
    response = offer_post(as_worker, offer, step="end", ended_on=early, outcome="ended_early")
    assert response.status_code == 400
    assert "Slutet kan inte vara före starten." in text(response)
    offer.refresh_from_db()
    assert offer.ended_on is None and offer.outcome == ""
    # Once started, the answer stays accepted.
    response = offer_post(
        as_worker, offer, step="answer", answer="declined", answered_on=today().isoformat()
    )
    assert response.status_code == 400
    offer.refresh_from_db()
    assert offer.answer == "accepted"


def test_an_offer_not_accepted_cannot_start(centres):
    offer = _offer(centres[0], answer="declined")
    with pytest.raises(actions.ContactRefused):
        offer_actions.do_start_offer(actor=user("anna"), offer=offer, started_on=today())
    offer.refresh_from_db()
    assert offer.started_on is None


def test_offer_support_refuses_a_subject_the_service_does_not_allow(centres):
    offer = _offer(centres[0])
    with pytest.raises(actions.ContactRefused):
        offer_actions.do_offer_support(
            actor=user("anna"),
            contact=offer.contact,
            service=service(COUNTS_ONLY),
            alias=offer.alias,
        )
    assert SupportOffer.objects.count() == 1


def test_funnel_counts_offered_accepted_started_completed(as_worker, centres):
    anna, start = user("anna"), today() - dt.timedelta(days=20)
    offers = [_offer(centres[0], offered_on=start) for _ in range(6)]
    for offer in offers[:4]:
        offer_actions.do_answer_offer(actor=anna, offer=offer, answer="accepted", answered_on=start)
    offer_actions.do_answer_offer(actor=anna, offer=offers[4], answer="declined", answered_on=start)
    for offer in offers[:3]:
        offer_actions.do_start_offer(actor=anna, offer=offer, started_on=start)
    offer_actions.do_end_offer(actor=anna, offer=offers[0], ended_on=start, outcome="completed")
    offer_actions.do_end_offer(actor=anna, offer=offers[1], ended_on=start, outcome="referred_on")
    funnel = offer_actions.offer_funnel(SupportOffer.objects.filter(center=centres[0]))
    assert funnel == {"offered": 6, "accepted": 4, "started": 3, "completed": 1}
    page = text(as_worker.get(f"/staff/centres/{centres[0].pk}/offers/"))
    for name, value in funnel.items():
        assert f'data-funnel="{name}">{value}<' in page


# Who may ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["as_other_worker", "as_admin", "as_analyst", "as_partner"])
def test_other_centres_admin_and_analyst_are_refused(request, who, centres):
    client = request.getfixturevalue(who)
    offer = _offer(centres[0])
    before = snapshot()
    assert client.get(new_url(centres[0], service=service(COUNTS_ONLY).pk)).status_code == 403
    assert post_contact(client, centres[0], COUNTS_ONLY).status_code == 403
    assert client.get(f"/staff/contacts/{offer.contact_id}/").status_code == 403
    assert client.get(f"/staff/offers/{offer.pk}/").status_code == 403
    assert offer_post(client, offer, step="answer", answer="declined").status_code == 403
    assert client.get(f"/staff/centres/{centres[0].pk}/offers/").status_code == 403
    post = {"date": today().isoformat(), "count": "3"}
    assert client.post(f"/staff/centres/{centres[0].pk}/headcount/", post).status_code == 403
    assert snapshot() == before and not DropInHeadcount.objects.exists()
    offer.refresh_from_db()
    assert offer.answer == "no_answer"


def test_contact_view_is_audited(as_worker, centres):
    offer = _offer(centres[0])
    page = text(as_worker.get(f"/staff/contacts/{offer.contact_id}/"))
    assert "Solros" in page and "Stödsamtal för föräldrar" in page
    assert AuditEvent.objects.filter(
        action="contact.view", object_id=str(offer.contact_id)
    ).exists()
