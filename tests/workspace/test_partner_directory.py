"""The directory of partners and their services: search by topic, age and language, a warning
when nobody confirmed a capacity lately, the administrator's legal bases, and bad input that
changes nothing."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from nara.core.actions.contacts import do_register_contact
from nara.core.actions.directory import (
    DirectoryRefused,
    do_add_service_hours,
    do_confirm_capacity,
    do_create_partner_service,
)
from nara.core.demo_partners import PARTNER_NAMES
from nara.core.models import (
    AuditEvent,
    LegalBasis,
    Partner,
    PartnerService,
    PartnerServiceSchedule,
)
from tests.workspace.conftest import user

pytestmark = pytest.mark.django_db
URL = "/staff/partners/"


def found(client, query):
    """Names of the services a search shows."""
    response = client.get(URL + "?" + query)
    assert response.status_code == 200, response.status_code
    return {card["service"].name for card in response.context["cards"]}


def service(name):
    return PartnerService.objects.get(name=name)


def card_html(html, name):
    """The HTML of one service's card in a page."""
    pk = service(name).pk
    match = re.search(
        rf'<article class="service-card" id="service-{pk}">(.*?)</article>', html, re.S
    )
    assert match, name
    return match.group(1)


def test_the_demo_has_the_partners_the_referrals_look_up_by_name(demo):
    names = set(Partner.objects.filter(municipality=demo).values_list("name", flat=True))
    assert set(PARTNER_NAMES) <= names
    assert Partner.objects.get(name="BUP, regionen").kind == "region"
    assert Partner.objects.get(name="Familjestöd, kommunen").kind == "municipal_unit"
    assert user("petra").memberships.get().partner.name == "Ekbackens skola"
    assert {str(b) for b in LegalBasis.objects.filter(municipality=demo)} == {
        "Anmälan om oro för barn (14 kap. 1 § SoL)",
        "Uppgift till polis om allvarligt brott (10 kap. 21–23 §§ OSL)",
    }


def test_search_by_topic(as_worker):
    names = found(as_worker, "topic=school-absence")
    assert {"Läxhjälp", "Elevhälsan: kurator"} <= names
    assert "BUP öppenvård" not in names and "Öppen mottagning och föräldrastöd" not in names


def test_search_by_age_keeps_only_services_for_that_age(as_worker):
    names = found(as_worker, "age=3")
    assert {"Öppen mottagning och föräldrastöd", "BUP öppenvård"} <= names
    # Läxhjälp is 7–18, the school counsellor 6–16, the language café for adults.
    assert not names & {"Läxhjälp", "Elevhälsan: kurator", "Språkcafé och familjestöd"}
    teenagers = found(as_worker, "band=13-17")
    assert {"Läxhjälp", "BUP öppenvård", "Kommunpolisen: brottsförebyggande samverkan"} <= teenagers
    assert "Öppen mottagning och föräldrastöd" not in teenagers


def test_search_by_language(as_worker):
    names = found(as_worker, "language=ti")
    assert {"Öppen mottagning och föräldrastöd", "Läxhjälp"} <= names
    assert "BUP öppenvård" not in names and "Elevhälsan: kurator" not in names


def test_topic_age_and_language_together(as_worker):
    names = found(as_worker, "topic=parenting&age=4&language=ar")
    assert names == {"Öppen mottagning och föräldrastöd", "Föräldraskapsstöd och familjesamtal"}


def test_results_show_what_a_worker_needs_to_refer(as_worker):
    html = as_worker.get(URL + "?topic=school-absence").content.decode()
    card = card_html(html, "Läxhjälp")
    assert "Röda Korset, mötesplats" in card
    assert "7–18" in card and "tigrinja" in card.lower()
    assert "Kom förbi, ingen anmälan behövs." in card
    assert "måndagar och onsdagar 15:30–18:00" in card.lower()
    assert "tar emot remisser" in card.lower()


def test_a_capacity_nobody_confirmed_lately_is_flagged(as_worker):
    html = as_worker.get(URL).content.decode()
    assert 'class="stale"' in card_html(html, "Språkcafé och familjestöd")  # 130 days ago
    assert 'class="stale"' not in card_html(html, "Läxhjälp")  # 5 days ago
    do_confirm_capacity(
        actor=user("anna"), service=service("Språkcafé och familjestöd"), capacity="taking"
    )
    html = as_worker.get(URL).content.decode()
    assert 'class="stale"' not in card_html(html, "Språkcafé och familjestöd")


def test_a_worker_confirms_capacity_after_a_call(as_worker):
    bup = service("BUP öppenvård")
    today = timezone.localdate()
    page = as_worker.post(
        f"/staff/partner-services/{bup.pk}/capacity/",
        {"capacity": "not_taking", "confirmed_on": today.isoformat()},
    )
    assert page.status_code == 302
    bup.refresh_from_db()
    assert (bup.capacity, bup.capacity_confirmed_on) == ("not_taking", today)
    event = AuditEvent.objects.filter(action="partnerservice.capacity").latest("pk")
    assert event.actor_id == user("anna").pk and event.object_id == str(bup.pk)
    assert "BUP öppenvård" not in found(as_worker, "taking=on&age=10")


def test_a_capacity_confirmed_in_the_future_is_refused(as_worker, as_manager):
    bup = service("BUP öppenvård")
    before = (bup.capacity, bup.capacity_confirmed_on)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    page = as_worker.post(
        f"/staff/partner-services/{bup.pk}/capacity/",
        {"capacity": "taking", "confirmed_on": tomorrow},
    )
    assert page.status_code == 400 and page.context["form"].errors["confirmed_on"]
    edit = as_manager.post(
        f"/staff/partner-services/{bup.pk}/", service_data(capacity_confirmed_on=tomorrow)
    )
    assert edit.status_code == 400 and edit.context["form"].errors["capacity_confirmed_on"]
    bup.refresh_from_db()
    assert (bup.capacity, bup.capacity_confirmed_on) == before
    with pytest.raises(DirectoryRefused):
        do_confirm_capacity(
            actor="test",
            service=bup,
            capacity="taking",
            confirmed_on=timezone.localdate() + dt.timedelta(days=1),
        )


def test_bad_search_input_gets_a_message_not_a_500(as_worker):
    for query in ("topic=astrology", "age=-3", "age=x", "language=xx", "band=99"):
        page = as_worker.get(URL + "?" + query)
        assert page.status_code == 400, query
        assert page.context["form"].errors and page.context["cards"] == []
        assert 'role="alert"' in page.content.decode()


def test_a_manager_adds_a_partner_and_its_service(as_manager):
    page = as_manager.post(
        "/staff/partners/new/",
        {
            "name": "Öppna förskolan Ekbacken",
            "kind": "open_preschool",
            "address": "Ekbacksvägen 2",
            "latitude": "56.88",
            "longitude": "14.80",
            "phone": "0470-12 00 00",
            "active": "on",
        },
    )
    assert page.status_code == 302
    partner = Partner.objects.get(name="Öppna förskolan Ekbacken")
    assert AuditEvent.objects.filter(action="partner.create", object_id=str(partner.pk)).exists()
    page = as_manager.post(f"/staff/partners/{partner.pk}/services/new/", service_data())
    assert page.status_code == 302
    created = partner.services.get()
    assert created.topics == ["parenting"] and created.languages == ["sv", "so"]
    assert created.name in found(as_manager, "topic=parenting&age=2&language=so")


def service_data(**changes):
    data = {
        "name": "Sångstund",
        "topics": ["parenting"],
        "age_min": "0",
        "age_max": "5",
        "languages": ["sv", "so"],
        "how_to_apply": "Kom förbi.",
        "capacity": "taking",
        "capacity_confirmed_on": timezone.localdate().isoformat(),
        "accepts_referrals": "on",
        "active": "on",
    }
    return data | changes


def test_a_reversed_age_range_or_unknown_topic_or_language_changes_nothing(as_manager):
    kurator = service("Elevhälsan: kurator")
    before = PartnerService.objects.filter(pk=kurator.pk).values().get()
    bad = [
        ({"age_min": "16", "age_max": "6"}, "age_max"),
        ({"topics": ["astrology"]}, "topics"),
        ({"languages": ["xx"]}, "languages"),
    ]
    for change, field in bad:
        page = as_manager.post(f"/staff/partner-services/{kurator.pk}/", service_data(**change))
        assert page.status_code == 400 and field in page.context["form"].errors, change
    assert PartnerService.objects.filter(pk=kurator.pk).values().get() == before
    partner = kurator.partner
    with pytest.raises(DirectoryRefused):
        do_create_partner_service(
            actor="test", partner=partner, fields={"name": "X", "age_min": 9, "age_max": 3}
        )
    with pytest.raises(DirectoryRefused):
        do_create_partner_service(
            actor="test", partner=partner, fields={"name": "X", "languages": ["xx"]}
        )
    assert partner.services.count() == 1


def test_an_edit_is_audited_with_what_changed(as_manager):
    kurator = service("Elevhälsan: kurator")
    page = as_manager.post(
        f"/staff/partner-services/{kurator.pk}/", service_data(name="Elevhälsan: kurator")
    )
    assert page.status_code == 302
    event = AuditEvent.objects.filter(
        action="partnerservice.update", object_id=str(kurator.pk)
    ).latest("pk")
    assert "age_max" in event.changes and "languages" in event.changes


def test_opening_hours_use_the_centre_rules(as_manager, as_worker):
    bup = service("BUP öppenvård")
    url = f"/staff/partner-services/{bup.pk}/hours/new/"
    hours = {"freq": "WEEKLY", "interval": "1", "byday": ["SA"], "opens_at": "10:00"}
    count = PartnerServiceSchedule.objects.count()
    backwards = as_manager.post(url, hours | {"closes_at": "09:00"})
    assert backwards.status_code == 400 and backwards.context["form"].errors["closes_at"]
    skipping = as_manager.post(url, hours | {"closes_at": "12:00", "interval": "2"})
    assert skipping.status_code == 400 and skipping.context["form"].errors["valid_from"]
    assert PartnerServiceSchedule.objects.count() == count
    page = as_manager.post(url, hours | {"closes_at": "12:00", "description": "jourtid"})
    assert page.status_code == 302
    card = card_html(as_worker.get(URL).content.decode(), "BUP öppenvård")
    assert "lördagar 10:00–12:00 (jourtid)" in card.lower()
    with pytest.raises(DirectoryRefused):
        do_add_service_hours(
            actor="test",
            service=bup,
            fields={"byday": "MO", "opens_at": dt.time(12), "closes_at": dt.time(8)},
        )


def test_legal_bases_are_kept_by_the_administrator(as_admin, as_manager):
    page = as_admin.post(
        "/staff/legal-bases/new/",
        {"name": "Nödvändigt utlämnande", "provision": "10 kap. 2 § OSL", "active": "on"},
    )
    assert page.status_code == 302
    basis = LegalBasis.objects.get(name="Nödvändigt utlämnande")
    assert as_manager.get(f"/staff/legal-bases/{basis.pk}/").status_code == 403
    blank = as_admin.post(f"/staff/legal-bases/{basis.pk}/", {"name": "X", "provision": " "})
    assert blank.status_code == 400
    basis.refresh_from_db()
    assert basis.name == "Nödvändigt utlämnande"
    page = as_admin.post(
        f"/staff/legal-bases/{basis.pk}/",
        {"name": "Nödvändigt utlämnande", "provision": "10 kap. 2 § OSL"},  # active unticked
    )
    assert page.status_code == 302
    basis.refresh_from_db()
    assert basis.active is False
    assert AuditEvent.objects.filter(action="legalbasis.update", object_id=str(basis.pk)).exists()


def test_workers_read_the_directory_but_do_not_edit_it(as_worker, as_analyst, as_partner):
    kurator = service("Elevhälsan: kurator")
    assert as_analyst.get(URL).status_code == 200
    assert as_partner.get(URL).status_code == 403
    page = as_worker.post(f"/staff/partner-services/{kurator.pk}/", service_data(name="Hijack"))
    assert page.status_code == 403
    kurator.refresh_from_db()
    assert kurator.name == "Elevhälsan: kurator"


def test_the_contact_form_opens_the_directory_with_the_contact_topics(as_worker, centres):
    centre = centres[0]
    talk = centre.services.get(slug="samtal")
    form = as_worker.get(f"/staff/centres/{centre.pk}/contacts/new/?service={talk.pk}")
    assert 'href="/staff/partners/#results"' in form.content.decode()
    contact = do_register_contact(
        actor=user("anna"),
        center=centre,
        service=talk,
        channel="drop_in",
        occurred_on=timezone.localdate(),
        topics=["parenting", "money"],
        age_band="0-5",
        language="ar",
    )
    html = as_worker.get(f"/staff/contacts/{contact.pk}/").content.decode()
    link = re.search(r'href="(/staff/partners/\?[^"]+)"', html).group(1).replace("&amp;", "&")
    assert link == "/staff/partners/?topic=parenting&topic=money&band=0-5&language=ar#results"
    names = found(as_worker, link.split("?")[1].split("#")[0])
    assert names == {"Öppen mottagning och föräldrastöd", "Föräldraskapsstöd och familjesamtal"}
