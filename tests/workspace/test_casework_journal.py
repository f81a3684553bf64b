"""Consent, journal and escalation: what a social worker records, who may see it, and what the
audit trail keeps (never the journal text, never the personnummer)."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from nara.core import crypto
from nara.core.actions import consent as consents
from nara.core.actions import journal
from nara.core.actions.followups import next_working_day
from nara.core.actions.people import do_create_person
from nara.core.models import (
    AuditEvent,
    Consent,
    Contact,
    Escalation,
    FollowUpTask,
    Household,
    JournalNote,
    Partner,
    Service,
)
from tests.workspace.conftest import signed_in, user
from tests.workspace.test_people_and_log_review import sample_pnr

pytestmark = pytest.mark.django_db

SECRET_TEXT = "Mamma berättar om sömnproblem hos Elsa"
BETTER_TEXT = "Mamma berättar om sömnproblem hos Ella"
TODAY = timezone.localdate


@pytest.fixture
def person(centres):
    return do_create_person(
        actor="test", center=centres[0], first_name="Lina", last_name="Holm", pnr=sample_pnr(20)
    )


@pytest.fixture
def household(centres):
    return Household.objects.create(center=centres[0], name="Familjen Holm")


def contact_at(centre, level=None):
    services = Service.objects.filter(centers=centre)
    if level:
        services = services.filter(documentation_level=level)
    return Contact.objects.create(
        center=centre,
        service=services.first(),
        channel="drop_in",
        occurred_on=TODAY(),
        staff=user("anna"),
    )


def en(client, method, url, data=None, **extra):
    return getattr(client, method)(url, data or {}, HTTP_ACCEPT_LANGUAGE="en", **extra)


def sv(client, method, url, data=None):
    return getattr(client, method)(url, data or {}, HTTP_ACCEPT_LANGUAGE="sv")


def audit_clear_text():
    return " ".join(
        f"{e.changes} {e.reason} {e.object_id} {e.flags}" for e in AuditEvent.objects.all()
    )


# Consent ------------------------------------------------------------------------------------


def consent_data(**overrides):
    data = {
        "scope": ["identity", "contact_details"],
        "recipient_partner": "",
        "recipient_unit": "Barn- och familjeenheten",
        "purpose": "Kontakt med familjebehandlare",
        "given_how": "written",
        "given_by": "person",
        "given_on": TODAY().isoformat(),
        "valid_until": (TODAY() + dt.timedelta(days=180)).isoformat(),
    }
    return data | overrides


def test_worker_records_a_consent_and_sees_it_valid_in_words(as_worker, person):
    response = en(as_worker, "post", f"/staff/people/{person.pk}/consents/new/", consent_data())
    assert response.status_code == 302
    consent = Consent.objects.get(person=person)
    assert consent.scope == ["contact_details", "identity"]
    assert consent.recorded_by == user("anna")
    page = en(as_worker, "get", f"/staff/people/{person.pk}/consents/").content.decode()
    assert "Valid</strong>" in page and "to Barn- och familjeenheten" in page
    assert "Name and identity".lower() in page.lower()
    seen = AuditEvent.objects.filter(action="consent.view").last()
    assert seen.person_id == person.pk and seen.actor_id == user("anna").pk
    assert AuditEvent.objects.filter(action="consent.record", person_id=person.pk).exists()


def test_a_consent_to_a_partner_of_the_municipality(as_worker, person):
    partner = Partner.objects.first()
    data = consent_data(recipient_unit="", recipient_partner=partner.pk)
    response = en(as_worker, "post", f"/staff/people/{person.pk}/consents/new/", data)
    assert response.status_code == 302
    assert Consent.objects.get(person=person).recipient_partner == partner


def test_a_consent_that_expired_yesterday_is_refused_with_a_clear_message(as_worker, person):
    yesterday = (TODAY() - dt.timedelta(days=1)).isoformat()
    data = consent_data(
        given_on=(TODAY() - dt.timedelta(days=30)).isoformat(), valid_until=yesterday
    )
    response = en(as_worker, "post", f"/staff/people/{person.pk}/consents/new/", data)
    assert response.status_code == 400
    assert "This consent has already expired" in response.content.decode()
    response = sv(as_worker, "post", f"/staff/people/{person.pk}/consents/new/", data)
    assert "Samtycket har redan gått ut" in response.content.decode()
    assert not Consent.objects.exists()
    assert not AuditEvent.objects.filter(action="consent.record").exists()


def test_a_consent_ending_before_it_was_given_is_refused(as_worker, person):
    data = consent_data(
        given_on=TODAY().isoformat(), valid_until=(TODAY() - dt.timedelta(days=3)).isoformat()
    )
    response = en(as_worker, "post", f"/staff/people/{person.pk}/consents/new/", data)
    assert response.status_code == 400
    assert "cannot end before the day it was given" in response.content.decode()
    assert not Consent.objects.exists()


def test_a_consent_needs_one_recipient_and_a_scope(as_worker, person):
    url = f"/staff/people/{person.pk}/consents/new/"
    both = consent_data(recipient_partner=Partner.objects.first().pk)
    assert "Choose one recipient" in en(as_worker, "post", url, both).content.decode()
    nothing = consent_data(scope=[])
    assert en(as_worker, "post", url, nothing).status_code == 400
    assert not Consent.objects.exists()


def test_withdrawing_takes_effect_at_once(as_worker, person):
    en(as_worker, "post", f"/staff/people/{person.pk}/consents/new/", consent_data())
    consent = Consent.objects.get(person=person)
    wanted = {"scope": ["identity"], "recipient_unit": "Barn- och familjeenheten"}
    assert consents.require_consent(person=person, **wanted) == consent
    response = en(as_worker, "post", f"/staff/consents/{consent.pk}/withdraw/", follow=True)
    assert "The consent is withdrawn" in response.content.decode()
    assert "Withdrawn</strong>" in response.content.decode()
    with pytest.raises(consents.MissingConsent):
        consents.require_consent(person=person, **wanted)
    assert AuditEvent.objects.filter(action="consent.withdraw", person_id=person.pk).exists()


def test_expired_and_withdrawn_consents_are_listed_in_words(as_worker, person):
    _consent(person, valid_until=TODAY() - dt.timedelta(days=1), recipient_unit="Skolan")
    _consent(person, withdrawn_at=timezone.now(), recipient_unit="Polisen")
    page = sv(as_worker, "get", f"/staff/people/{person.pk}/consents/").content.decode()
    assert "Har gått ut</strong>:\ntill Skolan" in page
    assert "Återkallat</strong>:\ntill Polisen" in page


def test_a_household_consent(as_worker, household):
    url = f"/staff/households/{household.pk}/consents/new/"
    assert en(as_worker, "post", url, consent_data()).status_code == 302
    page = en(as_worker, "get", f"/staff/households/{household.pk}/consents/").content.decode()
    assert "Familjen Holm" in page and "Valid</strong>" in page


def _consent(person, **fields):
    values = {
        "center": person.center,
        "person": person,
        "scope": ["contact_details", "identity"],
        "recipient_unit": "Barn- och familjeenheten",
        "purpose": "Remiss",
        "given_how": "verbal",
        "given_by": "person",
        "given_on": TODAY() - dt.timedelta(days=10),
        "valid_until": TODAY() + dt.timedelta(days=10),
    }
    return Consent.objects.create(**(values | fields))


class TestRequireConsent:
    @pytest.fixture(autouse=True)
    def untranslated(self):
        """The messages as written in the code, whatever language an earlier test in this
        worker left active."""
        with translation.override(None):
            yield

    def test_a_valid_consent_covers_its_scope(self, person):
        consent = _consent(person)
        found = consents.require_consent(
            person=person, scope=["identity"], recipient_unit="barn- och familjeenheten "
        )
        assert found == consent

    def test_a_withdrawn_consent_covers_nothing(self, person):
        _consent(person, withdrawn_at=timezone.now())
        with pytest.raises(consents.MissingConsent, match="no valid consent to share"):
            consents.require_consent(
                person=person, scope=["identity"], recipient_unit="Barn- och familjeenheten"
            )

    def test_an_expired_consent_covers_nothing(self, person):
        _consent(person, valid_until=TODAY() - dt.timedelta(days=1))
        with pytest.raises(consents.MissingConsent, match="Barn- och familjeenheten"):
            consents.require_consent(
                person=person, scope=["identity"], recipient_unit="Barn- och familjeenheten"
            )

    def test_a_consent_for_another_recipient_does_not_count(self, person):
        _consent(person)
        partner = Partner.objects.first()
        with pytest.raises(consents.MissingConsent, match=re.escape(partner.name)):
            consents.require_consent(person=person, scope=["identity"], recipient_partner=partner)

    def test_the_message_names_the_scope_not_covered(self, person):
        _consent(person, scope=["identity"])
        with pytest.raises(consents.MissingConsent) as refused:
            consents.require_consent(
                person=person,
                scope=["identity", "situation"],
                recipient_unit="Barn- och familjeenheten",
            )
        assert (
            str(refused.value)
            == "The consent for this recipient does not cover: "
            + str(Consent.Scope.SITUATION.label)
            + "."
        )


# Journal ------------------------------------------------------------------------------------


def write(client, person, text=SECRET_TEXT):
    return en(client, "post", f"/staff/people/{person.pk}/journal/", {"text": text})


def test_a_note_is_encrypted_signed_and_shown(as_worker, person):
    response = write(as_worker, person)
    assert response.status_code == 302 and SECRET_TEXT not in response["Location"]
    note = JournalNote.objects.get(person=person)
    assert note.author == user("anna")
    assert SECRET_TEXT not in note.text_encrypted and note.text == SECRET_TEXT
    assert journal.signature_matches(note)
    page = en(as_worker, "get", f"/staff/people/{person.pk}/journal/").content.decode()
    assert SECRET_TEXT in page and "does not match" not in page
    assert "The note is saved and signed." in page
    viewed = AuditEvent.objects.filter(action="journal.view").last()
    assert viewed.person_id == person.pk and viewed.actor_id == user("anna").pk
    assert AuditEvent.objects.filter(action="journal.write", person_id=person.pk).exists()
    assert SECRET_TEXT not in audit_clear_text() and "Elsa" not in audit_clear_text()


def test_a_changed_note_shows_a_warning(as_worker, person):
    write(as_worker, person)
    # Someone with database access rewrites the note behind Nära's back.
    JournalNote.objects.update(text_encrypted=crypto.encrypt("Allt är bra"))
    page = en(as_worker, "get", f"/staff/people/{person.pk}/journal/").content.decode()
    assert "the signature of at least one note does not match" in page


def test_a_correction_keeps_the_original_struck_through(as_worker, as_manager, person):
    write(as_worker, person)
    original = JournalNote.objects.get()
    before = (original.text_encrypted, original.signature, original.created_at)
    data = {"text": BETTER_TEXT, "reason": "Fel namn på barnet"}
    response = en(as_manager, "post", f"/staff/journal/{original.pk}/correct/", data)
    assert response.status_code == 302
    original.refresh_from_db()
    assert (original.text_encrypted, original.signature, original.created_at) == before
    correction = JournalNote.objects.get(corrects=original)
    assert correction.author == user("maria") and correction.text == BETTER_TEXT
    page = en(as_worker, "get", f"/staff/people/{person.pk}/journal/").content.decode()
    assert f"<del>{SECRET_TEXT}</del>" in page
    assert BETTER_TEXT in page and "Fel namn på barnet" in page
    assert "Corrected by maria" in page or "Corrected by Maria" in page
    assert "Fel namn" not in audit_clear_text() and BETTER_TEXT not in audit_clear_text()


def test_corrections_append_and_never_update_or_delete(as_worker, person):
    anna = user("anna")
    with CaptureQueriesContext(connection) as queries:
        first = journal.do_write_note(actor=anna, person=person, text=SECRET_TEXT)
        second = journal.do_correct_note(actor=anna, note=first, text="Två", reason="Fel")
        with pytest.raises(journal.JournalError, match="corrected already"):
            journal.do_correct_note(actor=anna, note=first, text="Tre", reason="Igen")
        third = journal.do_correct_note(actor=anna, note=second, text="Tre", reason="Igen")
    sql = " ".join(q["sql"].upper() for q in queries.captured_queries)
    assert not re.search(r'(UPDATE|DELETE FROM) "?CORE_JOURNALNOTE', sql)
    assert third.corrects == second and second.corrects == first
    assert JournalNote.objects.count() == 3


def test_correcting_a_corrected_note_through_the_page_is_refused(as_worker, person):
    write(as_worker, person)
    first = JournalNote.objects.get()
    data = {"text": BETTER_TEXT, "reason": "Fel namn"}
    en(as_worker, "post", f"/staff/journal/{first.pk}/correct/", data)
    again = en(as_worker, "post", f"/staff/journal/{first.pk}/correct/", data)
    assert again.status_code == 400
    assert "corrected already. Correct the newest version" in again.content.decode()
    assert JournalNote.objects.count() == 2
    swedish = sv(as_worker, "post", f"/staff/journal/{first.pk}/correct/", data).content.decode()
    assert "Anteckningen är redan rättad" in swedish


def test_an_empty_note_or_reason_is_refused(as_worker, person):
    assert write(as_worker, person, text="   ").status_code == 400
    write(as_worker, person)
    note = JournalNote.objects.get()
    refused = en(as_worker, "post", f"/staff/journal/{note.pk}/correct/", {"text": "x"})
    assert refused.status_code == 400 and JournalNote.objects.count() == 1


def test_a_household_journal(as_worker, household):
    url = f"/staff/households/{household.pk}/journal/"
    assert en(as_worker, "post", url, {"text": SECRET_TEXT}).status_code == 302
    page = en(as_worker, "get", url).content.decode()
    assert SECRET_TEXT in page and "Familjen Holm" in page
    viewed = AuditEvent.objects.filter(action="journal.view").last()
    assert viewed.object_type == "Household"


def test_a_protected_persons_journal_asks_why_and_logs_it(as_worker, centres):
    person = do_create_person(
        actor="test",
        center=centres[0],
        first_name="Sam",
        last_name="Ek",
        protected_identity=True,
    )
    url = f"/staff/people/{person.pk}/journal/"
    journal.do_write_note(actor=user("anna"), person=person, text=SECRET_TEXT)
    asked = en(as_worker, "get", url).content.decode()
    assert SECRET_TEXT not in asked and "Reason required" in asked
    reason = "Uppföljning av samtal i dag"
    shown = en(as_worker, "post", url, {"access-reason": reason}).content.decode()
    assert SECRET_TEXT in shown
    viewed = AuditEvent.objects.filter(action="journal.view").last()
    assert viewed.reason == reason and "protected_identity" in viewed.flags


@pytest.mark.parametrize("who", ["as_other_worker", "as_admin", "as_analyst", "as_partner"])
def test_others_are_refused_everything(request, who, person, household):
    client = request.getfixturevalue(who)
    note = journal.do_write_note(actor=user("anna"), person=person, text=SECRET_TEXT)
    consent = _consent(person)
    escalation = Escalation.objects.create(
        center=person.center,
        kind="formal_case",
        person=person,
        made_on=TODAY(),
        made_by=user("anna"),
        to_unit="Mottagningen",
        reason="economy",
    )
    urls = [
        f"/staff/people/{person.pk}/journal/",
        f"/staff/households/{household.pk}/journal/",
        f"/staff/journal/{note.pk}/correct/",
        f"/staff/people/{person.pk}/consents/",
        f"/staff/people/{person.pk}/consents/new/",
        f"/staff/households/{household.pk}/consents/",
        f"/staff/households/{household.pk}/consents/new/",
        f"/staff/people/{person.pk}/escalate/",
        f"/staff/escalations/{escalation.pk}/",
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"text": "x", "access-reason": "x" * 20}).status_code == 403, url
        assert SECRET_TEXT.encode() not in client.get(url).content
    contact = contact_at(person.center)
    escalate = f"/staff/contacts/{contact.pk}/escalate/"
    assert client.get(escalate).status_code == 403
    refused = client.post(escalate, escalation_data(identity_unknown_reason="Okänt barn"))
    assert refused.status_code == 403 and Escalation.objects.count() == 1
    assert client.post(f"/staff/consents/{consent.pk}/withdraw/").status_code == 403
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    assert JournalNote.objects.count() == 1
    assert not AuditEvent.objects.filter(action="journal.view").exists()


def test_emergency_access_to_a_household_asks_why(as_other_worker, household):
    from nara.core.models import EmergencyAccess

    EmergencyAccess.objects.create(
        user=user("omar"),
        center=household.center,
        reason="Mamma vid dörren",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    journal.do_write_note(actor=user("anna"), household=household, text=SECRET_TEXT)
    url = f"/staff/households/{household.pk}/journal/"
    asked = en(as_other_worker, "get", url).content.decode()
    assert "Reason required" in asked and SECRET_TEXT not in asked
    shown = en(as_other_worker, "post", url, {"access-reason": "Mamma vid dörren, stängt"})
    assert SECRET_TEXT in shown.content.decode()
    viewed = AuditEvent.objects.get(action="journal.view")
    assert viewed.reason == "Mamma vid dörren, stängt" and "emergency_access" in viewed.flags


def test_emergency_access_reads_but_does_not_write(as_other_worker, person):
    from nara.core.models import EmergencyAccess

    EmergencyAccess.objects.create(
        user=user("omar"),
        center=person.center,
        reason="Mamma vid dörren",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    url = f"/staff/people/{person.pk}/journal/"
    shown = en(as_other_worker, "post", url, {"access-reason": "Mamma vid dörren, stängt"})
    assert shown.status_code == 200
    wrote = en(
        as_other_worker,
        "post",
        url,
        {"access-reason": "Mamma vid dörren, stängt", "text": SECRET_TEXT},
    )
    assert wrote.status_code == 403 and not JournalNote.objects.exists()
    viewed = AuditEvent.objects.filter(action="journal.view").last()
    assert "emergency_access" in viewed.flags


# Escalation ---------------------------------------------------------------------------------


def escalation_data(**overrides):
    data = {
        "kind": "child_concern",
        "reason": "neglect",
        "to_unit": "Barn- och ungdomsmottagningen",
        "case_reference": "BoU 2026/1234",
        "made_on": TODAY().isoformat(),
        "identity_unknown_reason": "",
        "child_pnr": "",
    }
    return data | overrides


def test_an_escalation_from_a_contact_starts_a_14_day_clock(as_worker, centres):
    contact = contact_at(centres[0], level="no_identity")
    data = escalation_data(identity_unknown_reason="Barnet var inte med; mamman ville inte")
    response = en(as_worker, "post", f"/staff/contacts/{contact.pk}/escalate/", data, follow=True)
    escalation = Escalation.objects.get()
    assert escalation.contact == contact and escalation.person is None
    assert escalation.made_by == user("anna")
    task = FollowUpTask.objects.get(escalation=escalation)
    assert task.due == next_working_day(TODAY() + dt.timedelta(days=14))
    assert task.assigned_to == user("anna") and task.center == centres[0]
    page = response.content.decode()
    assert f"A follow-up task is due on {task.due.isoformat()}" in page
    assert task.due.isoformat() in page and "Barn- och ungdomsmottagningen" in page
    created = AuditEvent.objects.get(action="escalation.create")
    assert "mamman" not in str(created.changes)


def test_a_concern_about_a_child_needs_the_child_or_why_not(as_worker, centres):
    contact = contact_at(centres[0], level="no_identity")
    url = f"/staff/contacts/{contact.pk}/escalate/"
    form = en(as_worker, "get", url).content.decode()
    assert "The duty to report overrides anonymity" in form
    response = en(as_worker, "post", url, escalation_data())
    assert response.status_code == 400
    assert "must name the child, or say why" in response.content.decode()
    assert not Escalation.objects.exists() and not FollowUpTask.objects.exists()


def test_the_child_is_named_by_number_never_echoed(as_worker, centres):
    pnr = sample_pnr(21)
    child = do_create_person(
        actor="test", center=centres[0], first_name="Elsa", last_name="Holm", pnr=pnr
    )
    contact = contact_at(centres[0], level="no_identity")
    url = f"/staff/contacts/{contact.pk}/escalate/"
    response = en(as_worker, "post", url, escalation_data(child_pnr=pnr))
    assert response.status_code == 302 and pnr not in response["Location"]
    assert Escalation.objects.get().person == child
    detail = en(as_worker, "get", response["Location"]).content.decode()
    assert "Elsa Holm" in detail and pnr not in detail and pnr.replace("-", "") not in detail
    assert pnr not in audit_clear_text() and pnr.replace("-", "") not in audit_clear_text()
    unknown = en(as_worker, "post", url, escalation_data(child_pnr=sample_pnr(22)))
    assert unknown.status_code == 400 and sample_pnr(22) not in unknown.content.decode()
    assert "Register the child first" in unknown.content.decode()


@pytest.mark.parametrize("reference", ["BoU\x072026", "BoU\n2026/1", "A" * 41])
def test_a_bad_reference_is_refused_and_nothing_is_saved(as_worker, person, reference):
    url = f"/staff/people/{person.pk}/escalate/"
    response = en(as_worker, "post", url, escalation_data(case_reference=reference))
    assert response.status_code == 400
    page = response.content.decode()
    assert "no control characters" in page or "at most 40 characters" in page
    assert not Escalation.objects.exists() and not FollowUpTask.objects.exists()


def test_a_reference_with_a_control_character_in_swedish(as_worker, person):
    url = f"/staff/people/{person.pk}/escalate/"
    response = sv(as_worker, "post", url, escalation_data(case_reference="BoU\x1b2026"))
    assert "inga styrtecken" in response.content.decode()
    assert not Escalation.objects.exists()


def test_an_escalation_from_a_person_in_the_future_is_refused(as_worker, person):
    tomorrow = (TODAY() + dt.timedelta(days=1)).isoformat()
    url = f"/staff/people/{person.pk}/escalate/"
    response = en(as_worker, "post", url, escalation_data(made_on=tomorrow))
    assert response.status_code == 400 and "cannot be in the future" in response.content.decode()
    assert not Escalation.objects.exists()


def test_the_case_system_link_follows_the_template(as_worker, person, settings):
    url = f"/staff/people/{person.pk}/escalate/"
    response = en(as_worker, "post", url, escalation_data(case_reference="BoU 2026/12&x"))
    detail_url = response["Location"]
    assert 'href="https://' not in en(as_worker, "get", detail_url).content.decode()
    settings.NARA_CASE_SYSTEM_URL_TEMPLATE = "https://case.example/case/{reference}"
    page = en(as_worker, "get", detail_url).content.decode()
    assert 'href="https://case.example/case/BoU%202026%2F12%26x"' in page
    viewed = AuditEvent.objects.filter(action="escalation.view").last()
    assert viewed.person_id == person.pk


def test_the_person_page_links_to_journal_consents_and_escalation(as_worker, person):
    page = en(as_worker, "get", f"/staff/people/{person.pk}/").content.decode()
    for link in ("journal/", "consents/", "escalate/"):
        assert f'href="/staff/people/{person.pk}/{link}"' in page


def test_the_journal_signing_key_is_its_own(settings):
    key = crypto.signing_key("journal")
    assert key not in (crypto.signing_key("other"), crypto.audit_key())
    settings.NARA_AUDIT_KEY = "another-audit-key-" + "x" * 32
    assert crypto.signing_key("journal") != key


def test_no_text_or_number_in_any_url_log_or_audit_entry(as_worker, person, caplog):
    pnr = person.personnummer
    responses = [write(as_worker, person)]
    note = JournalNote.objects.get()
    responses.append(
        en(as_worker, "post", f"/staff/journal/{note.pk}/correct/", {"text": "Ny", "reason": "x"})
    )
    responses.append(
        en(as_worker, "post", f"/staff/people/{person.pk}/consents/new/", consent_data())
    )
    for response in responses:
        assert SECRET_TEXT not in response.get("Location", "")
        assert pnr not in response.get("Location", "")
    clear = audit_clear_text()
    assert SECRET_TEXT not in clear and pnr not in clear and pnr.replace("-", "") not in clear
    signed = signed_in(user("anna"))
    journal_page = en(signed, "get", f"/staff/people/{person.pk}/journal/").content.decode()
    assert pnr not in journal_page
    en(as_worker, "post", f"/staff/people/{person.pk}/journal/", {"text": ""})  # a 400, logged
    assert caplog.records and SECRET_TEXT not in caplog.text and pnr not in caplog.text
