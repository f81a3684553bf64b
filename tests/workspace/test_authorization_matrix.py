"""Every URL the project defines, with every role: the expected outcome, or the suite fails.

A new URL without an entry in EXPECTED fails `test_every_url_has_an_expectation`; a view
whose check is removed lets someone in and fails `test_matrix`.
"""

import datetime as dt

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern
from django.utils import timezone

from nara.api.models import ApiToken
from nara.core.actions import booking
from nara.core.actions.contacts import do_register_contact
from nara.core.actions.escalations import do_create_escalation
from nara.core.actions.households import do_add_member, do_create_household
from nara.core.actions.journal import do_write_note
from nara.core.actions.meetings import AgreedAction, do_record_meeting
from nara.core.actions.people import do_create_person
from nara.core.actions.referrals import do_send_incoming_referral, do_send_referral
from nara.core.models import (
    Alias,
    Area,
    Consent,
    Contact,
    EmergencyAccess,
    FollowUpTask,
    Household,
    LegalBasis,
    MythFact,
    Partner,
    PartnerService,
    Schedule,
    ScheduleException,
    Service,
    Slot,
)
from nara.evaluation.demo import build_demo_outcomes
from nara.evaluation.models import Evaluation
from nara.insights.open_statistics import listed_areas
from nara.planning.demo import create_example_scenario
from tests.workspace.conftest import signed_in, user

pytestmark = pytest.mark.django_db

STAFF = {"admin", "manager", "worker", "other_worker", "analyst", "partner"}
CENTRE_STAFF = {"admin", "manager", "worker"}
MANAGERS = {"admin", "manager"}
CASEWORKERS = {"manager", "worker", "other_worker"}
ADMIN = {"admin"}

# URL name → who gets in (GET; objects belong to the first social centre).
EXPECTED = {
    "workspace:index": STAFF,
    "workspace:centres": CENTRE_STAFF | {"other_worker"},
    "workspace:centre": CENTRE_STAFF,
    "workspace:centre-new": ADMIN,
    "workspace:centre-edit": MANAGERS,
    "workspace:centre-publish": MANAGERS,
    "workspace:centre-catchment": ADMIN,
    "workspace:schedule-new": MANAGERS,
    "workspace:exception-new": MANAGERS,
    "workspace:directory-new": MANAGERS,
    "workspace:emergency": CASEWORKERS,
    "workspace:coverage": {"admin", "analyst"},
    "workspace:schedule": MANAGERS,
    "workspace:schedule-delete": MANAGERS,
    "workspace:exception": MANAGERS,
    "workspace:exception-delete": MANAGERS,
    "workspace:directory": MANAGERS,
    "workspace:directory-delete": MANAGERS,
    "workspace:services": STAFF,
    "workspace:service-new": ADMIN,
    "workspace:service": ADMIN,
    "workspace:areas": {"admin", "analyst"},
    "workspace:area": ADMIN,
    "workspace:feedback": MANAGERS,
    "workspace:missing-translations": MANAGERS,
    "workspace:myths": ADMIN,
    "workspace:myth-new": ADMIN,
    "workspace:myth-edit": ADMIN,
    "workspace:people": CASEWORKERS,
    "workspace:person-new": CASEWORKERS,
    "workspace:person": {"manager", "worker"},
    "workspace:emergency-any": CASEWORKERS,
    "workspace:log-review": MANAGERS,
    "workspace:audit-verify": MANAGERS,
    "workspace:emergency-review": MANAGERS,
    "workspace:calendar": {"manager", "worker"},
    "workspace:phone-booking": {"manager", "worker"},
    "workspace:availability-new": MANAGERS,
    "workspace:appointment-status": {"manager", "worker"},
    "workspace:appointment-nudge": {"manager", "worker"},
    "workspace:appointment-correct": {"manager", "worker"},
    "workspace:question": {"manager", "worker"},
    "workspace:callback": {"manager", "worker"},
    "workspace:task-done": {"manager", "worker"},
    "workspace:today": CASEWORKERS,
    "workspace:today-centre": {"manager", "worker"},
    "workspace:task-list": {"manager", "worker"},
    "workspace:task-new": {"manager", "worker"},
    "workspace:no-shows": MANAGERS,
    # Residents' feedback after visits: figures for managers (own centres), analysts and
    # administrators; the moderation queue for the centre's manager only; the QR poster.
    "workspace:visit-feedback": {"admin", "manager", "analyst"},
    "workspace:visit-feedback-moderation": {"manager"},
    "workspace:centre-feedback-qr": MANAGERS,
    "workspace:centre-feedback-qr-svg": MANAGERS,
    "workspace:centre-feedback-qr-png": MANAGERS,
    "workspace:users": ADMIN,
    "workspace:user-new": ADMIN,
    "workspace:user": ADMIN,
    "workspace:user-reset": ADMIN,
    "workspace:role-request": ADMIN,
    "workspace:password": STAFF,
    "workspace:retention": ADMIN,
    "workspace:planning": {"admin", "analyst"},
    "workspace:planning-sites": {"admin", "analyst"},
    "workspace:planning-scenarios": {"admin", "analyst"},
    "workspace:planning-scenario-new": {"admin", "analyst"},
    "workspace:planning-scenario": {"admin", "analyst"},
    "workspace:planning-scenario-print": {"admin", "analyst"},
    "workspace:planning-scenario-delete": {"admin", "analyst"},
    "workspace:planning-scenario-rerun": {"admin", "analyst"},
    "workspace:planning-scenario-apply": {"admin", "analyst"},
    "workspace:planning-compare": {"admin", "analyst"},
    "workspace:planning-export-csv": {"admin", "analyst"},
    "workspace:planning-export-xlsx": {"admin", "analyst"},
    "workspace:journal": {"manager", "worker"},
    "workspace:household-journal": {"manager", "worker"},
    "workspace:journal-correct": {"manager", "worker"},
    "workspace:consents": {"manager", "worker"},
    "workspace:consent-new": {"manager", "worker"},
    "workspace:household-consents": {"manager", "worker"},
    "workspace:household-consent-new": {"manager", "worker"},
    "workspace:consent-withdraw": {"manager", "worker"},
    "workspace:escalate-person": {"manager", "worker"},
    "workspace:escalate-contact": {"manager", "worker"},
    "workspace:escalation": {"manager", "worker"},
    # Casework: contacts and support offers (own centre only; never admin or analyst by role).
    "workspace:contact-new": {"manager", "worker"},
    "workspace:dropin-headcount": {"manager", "worker"},
    "workspace:centre-offers": {"manager", "worker"},
    "workspace:contact": {"manager", "worker"},
    "workspace:contact-offer": {"manager", "worker"},
    "workspace:offer": {"manager", "worker"},
    "workspace:person-identity": {"manager", "worker"},
    "workspace:person-contact-details": {"manager", "worker"},
    "workspace:person-legal-hold": {"manager", "worker"},
    "workspace:person-alias-link": {"manager", "worker"},
    "workspace:person-household-add": {"manager", "worker"},
    "workspace:households": CASEWORKERS,
    "workspace:household-new": CASEWORKERS,
    "workspace:household": {"manager", "worker"},
    "workspace:household-member-remove": {"manager", "worker"},
    "workspace:household-legal-hold": {"manager", "worker"},
    "workspace:aliases": CASEWORKERS,
    "workspace:alias": {"manager", "worker"},
    "workspace:alias-unlink": {"manager", "worker"},
    # Collaboration meetings: own centre only (no emergency access, never admin or analyst).
    "workspace:meetings": CASEWORKERS,
    "workspace:centre-meetings": {"manager", "worker"},
    "workspace:meeting-new": {"manager", "worker"},
    "workspace:meeting": {"manager", "worker"},
    "workspace:meeting-action-new": {"manager", "worker"},
    "workspace:meeting-action-status": {"manager", "worker"},
    # Referrals from the centre's side: own centre only; the settings are the administrator's.
    "workspace:person-refer": {"manager", "worker"},
    "workspace:household-refer": {"manager", "worker"},
    "workspace:alias-refer": {"manager", "worker"},
    "workspace:contact-refer": {"manager", "worker"},
    "workspace:referrals": CASEWORKERS,
    "workspace:referral": {"manager", "worker"},
    "workspace:referral-status": {"manager", "worker"},
    "workspace:referral-meeting": {"manager", "worker"},
    "workspace:referral-settings": ADMIN,
    # The partner directory: not personal data; every centre's staff and analysts read it,
    # administrators and centre managers keep it, centre staff confirm capacity, and the
    # legal bases for sharing without consent are the administrator's alone.
    "workspace:partners": STAFF - {"partner"},
    "workspace:partner": STAFF - {"partner"},
    "workspace:partner-new": MANAGERS,
    "workspace:partner-edit": MANAGERS,
    "workspace:partner-service-new": MANAGERS,
    "workspace:partner-service": MANAGERS,
    "workspace:partner-service-capacity": CENTRE_STAFF | {"other_worker"},
    "workspace:partner-hours-new": MANAGERS,
    "workspace:partner-hours": MANAGERS,
    "workspace:partner-hours-delete": MANAGERS,
    "workspace:legal-bases": ADMIN,
    "workspace:legal-basis-new": ADMIN,
    "workspace:legal-basis": ADMIN,
    # The partner portal: partner users only, their own organisation's referrals.
    "workspace:portal": {"partner"},
    "workspace:portal-referral": {"partner"},
    "workspace:portal-referral-status": {"partner"},
    "workspace:portal-send": {"partner"},
    "workspace:portal-sent": {"partner"},
    "workspace:portal-sent-withdraw": {"partner"},
    # Referrals from partners at the centre (own centre only).
    "workspace:incoming-list": CASEWORKERS,
    "workspace:incoming": {"manager", "worker"},
    "workspace:incoming-status": {"manager", "worker"},
    "workspace:incoming-link": {"manager", "worker"},
    # Outreach and group activities (own centre only; the start pages for every centre role).
    "workspace:outreach": CASEWORKERS,
    "workspace:outreach-list": {"manager", "worker"},
    "workspace:outreach-new": {"manager", "worker"},
    "workspace:outreach-shift": {"manager", "worker"},
    "workspace:outreach-edit": {"manager", "worker"},
    "workspace:groups": CASEWORKERS,
    "workspace:group-list": {"manager", "worker"},
    "workspace:group-new": {"manager", "worker"},
    "workspace:group": {"manager", "worker"},
    "workspace:group-session-new": {"manager", "worker"},
    "workspace:group-register": {"manager", "worker"},
    "workspace:group-waiting-add": {"manager", "worker"},
    "workspace:group-session": {"manager", "worker"},
    "workspace:group-waiting-offer": {"manager", "worker"},
    "workspace:group-leave": {"manager", "worker"},
    # The partner API's tokens and webhooks: the administrator's alone.
    "workspace:api-tokens": ADMIN,
    "workspace:api-token-new": ADMIN,
    "workspace:api-token-revoke": ADMIN,
    "workspace:api-webhook": ADMIN,
    # Insights dashboards: managers (their own centres), analysts and administrators.
    "workspace:insights": {"admin", "manager", "analyst"},
    "workspace:insights-centre": {"admin", "manager", "analyst"},
    "workspace:insights-area": {"admin", "manager", "analyst"},
    "workspace:insights-export": {"admin", "manager", "analyst"},
    "workspace:insights-kolada": {"admin", "manager", "analyst"},
    "workspace:insights-report": {"admin", "manager", "analyst"},
    "workspace:insights-report-pdf": {"admin", "manager", "analyst"},
    # The before/after evaluation: analysts and administrators; a centre manager reads the
    # evaluations that concern their centres' catchments, and imports nothing.
    "workspace:evaluations": {"admin", "analyst", "manager"},
    "workspace:evaluation-new": {"admin", "analyst"},
    "workspace:evaluation": {"admin", "analyst", "manager"},
    "workspace:outcome-import": {"admin", "analyst"},
}
# The partner API, with token personas instead of signed-in staff: URL name → method → the
# status each persona gets. A token of another partner with every scope gets 404 on the
# school's referral, as if it did not exist; valid bodies are sent, so "allowed" is a success.
API_PERSONAS = ("anonymous", "read", "write", "status", "revoked", "expired", "other")
NO_TOKEN = {"anonymous": 401, "revoked": 401, "expired": 401}
API_EXPECTED = {
    "api:partner-referrals": {
        "GET": {**NO_TOKEN, "read": 200, "write": 403, "status": 403, "other": 200},
        "POST": {**NO_TOKEN, "read": 403, "write": 201, "status": 403, "other": 201},
    },
    "api:partner-referral": {
        "GET": {**NO_TOKEN, "read": 200, "write": 403, "status": 403, "other": 404},
    },
    "api:partner-referral-status": {
        "POST": {**NO_TOKEN, "read": 403, "write": 403, "status": 200, "other": 404},
    },
}
# The open statistics: public and read-only, whatever token is sent (none is read); a write is
# a method the address does not take (405), whoever sends it.
PUBLIC_READ_ONLY = {
    "GET": dict.fromkeys(API_PERSONAS, 200),
    "POST": dict.fromkeys(API_PERSONAS, 405),
}
API_EXPECTED |= {
    "api:statistics": PUBLIC_READ_ONLY,
    "api:statistics-centre": PUBLIC_READ_ONLY,
    "api:statistics-area": PUBLIC_READ_ONLY,
}
# Open by design: signing in, and the public site (checked only for "no server error").
OPEN = {
    "healthz",
    "choose-language",
    "workspace:login",
    "workspace:login-verify",
    "workspace:login-setup",
    "workspace:enrol",  # reached with a one-time link, before there is a password
    "workspace:enrol-start",
    "workspace:logout",
    "workspace:logout-everywhere",
    "oidc_authentication_init",
    "oidc_authentication_callback",
    # The API's schema, its documentation and the public HSDS directory: open, read-only.
    "api:openapi",
    "api:docs",
    "api:hsds-meta",
    "api:hsds-organizations",
    "api:hsds-organization",
    "api:hsds-services",
    "api:hsds-service",
    "api:hsds-service-at-locations",
    "api:hsds-service-at-location",
    "api:hsds-locations",
    "api:hsds-location",
    "api:hsds-schedules",
    "api:hsds-schedule",
    "api:hsds-languages",
    "api:hsds-service-areas",
    "api:hsds-taxonomies",
    "api:hsds-taxonomy",
    "api:hsds-taxonomy-terms",
    "api:hsds-taxonomy-term",
    "api:hsds-datapackage",
    "api:hsds-zip",
    "api:hsds-table",
}
PUBLIC_PREFIX = "public:"


def all_urls(patterns=None, prefix="", namespace=""):
    """(name, route with <placeholders>) for every URL pattern, recursively."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            part = "sv/" if isinstance(entry.pattern, LocalePrefixPattern) else str(entry.pattern)
            ns = f"{entry.namespace}:" if entry.namespace else namespace
            yield from all_urls(entry.url_patterns, prefix + part, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern)


@pytest.fixture
def objects(demo, centres):
    home = centres[0]
    person = do_create_person(actor="test", center=home, first_name="Test", last_name="Person")
    grant = EmergencyAccess.objects.create(
        user=user("omar"), center=home, reason="matrix test", expires_at="2000-01-01T00:00:00Z"
    )
    household = do_create_household(actor="test", center=home, name="Test")
    member = do_add_member(actor="test", household=household, person=person, relationship="other")
    alias = Alias.objects.create(center=home, name="Matrix", person=person)
    slot = Slot.objects.filter(center=home).first()
    appointment, _token, _code = booking.do_book(
        slot_id=slot.pk, mode=slot.modes[0], alias="Test", language="sv"
    )
    with time_machine.travel(slot.starts_at, tick=False):  # marked once the visit began
        booking.do_mark(actor="test", appointment=appointment, status="no_show")
    asked, _code = booking.do_ask_question(center=home, question="Hur gör jag?", language="sv")
    called, _code = booking.do_request_callback(
        center=home, alias="Test", phone="+46701234567", language="sv", when="any"
    )
    contact = do_register_contact(
        actor=user("anna"),
        center=home,
        service=home.services.get(slug="samtal"),
        channel="drop_in",
        occurred_on=timezone.localdate(),
        alias_name="Matrix",
        offer_service=home.services.get(slug="samtal"),
    )
    meeting = do_record_meeting(
        actor=user("anna"),
        center=home,
        held_on=timezone.localdate(),
        place="Matrix",
        is_sspf=True,
        actions=[AgreedAction("Matrix", user("anna"), timezone.localdate())],
    )
    return (
        api_objects(demo)
        | casework_objects(home, person)
        | referral_objects(home, alias)
        | portal_objects(home, alias)
        | outreach_objects(home, person)
        | {
            "meeting": meeting.pk,
            "meeting_action": meeting.actions.get().pk,
            "contact": contact.pk,
            "offer": contact.offers.get().pk,
            "scenario": create_example_scenario(actor="test", municipality=demo).pk,
            "evaluation": example_evaluation(demo),
            "appointment": appointment.pk,
            "question": asked.pk,
            "callback": called.pk,
            "task": FollowUpTask.objects.get(appointment=appointment).pk,
            "centre": home.pk,
            "schedule": Schedule.objects.filter(center=home).first().pk,
            "exception": ScheduleException.objects.filter(center=home).first().pk,
            "directory": home.staff.first().pk,
            "service": Service.objects.first().pk,
            "area": Area.objects.first().pk,
            "catchment_area": Area.objects.filter(catchments__center=home).first().pk,
            "myth": MythFact.objects.first().pk,
            "person": person.pk,
            "household": household.pk,
            "member": member.pk,
            "alias": alias.pk,
            "emergency": grant.pk,
            "user": user("anna").pk,
            "slug": home.slug,
            "code": "sv",
            "area_code": listed_areas(demo).first().code,  # one with open statistics
            **directory_objects(),
        }
    )


def api_objects(demo):
    """A partner API token (of petra's school) and that school, for the administrator's pages."""
    from nara.api.actions import do_issue_token

    school = Partner.objects.get(memberships__user__username="petra")
    token, _raw = do_issue_token(
        actor=user("admin"),
        partner=school,
        name="Matrix",
        scopes=["referrals:read"],
        expires_on=timezone.localdate() + dt.timedelta(days=30),
    )
    return {"api_token": token.pk, "api_partner": school.pk}


def example_evaluation(municipality):
    """The demo's example evaluation: the first two centres opened, so it concerns the first."""
    build_demo_outcomes(municipality)
    return Evaluation.objects.latest("pk").pk


def directory_objects():
    """A partner of the demo, one of its services with opening hours, and a legal basis."""
    service = PartnerService.objects.filter(schedules__isnull=False).first()
    return {
        "partner": service.partner_id,
        "partner_service": service.pk,
        "partner_hours": service.schedules.first().pk,
        "legal_basis": LegalBasis.objects.first().pk,
    }


def casework_objects(home, person):
    """A household, journal note, consent, contact and escalation of the first centre."""
    anna = user("anna")
    household = Household.objects.create(center=home, name="Matrix")
    note = do_write_note(actor=anna, person=person, text="Matrix")
    consent = Consent.objects.create(
        center=home,
        person=person,
        scope=["identity"],
        recipient_unit="Matrix",
        purpose="Matrix",
        given_how="verbal",
        given_by="person",
        given_on="2026-01-01",
        valid_until="2099-01-01",
    )
    contact = Contact.objects.create(
        center=home,
        service=Service.objects.filter(centers=home).first(),
        channel="drop_in",
        occurred_on="2026-01-01",
    )
    escalation, _task = do_create_escalation(
        actor=anna, center=home, kind="formal_case", to_unit="Matrix", reason="other", person=person
    )
    return {
        "household": household.pk,
        "note": note.pk,
        "consent": consent.pk,
        "contact": contact.pk,
        "escalation": escalation.pk,
    }


def referral_objects(home, alias):
    """An open referral of the first centre to a service that answers by phone (so that the
    centre's form for the partner's answers shows too), and a statutory basis."""
    partner = Partner.objects.create(
        municipality=home.municipality, name="Matrix partner", kind="region"
    )
    service = PartnerService.objects.create(
        partner=partner, name="Matrix service", accepts_referrals=False
    )
    referral = do_send_referral(
        actor=user("anna"),
        center=home,
        service=service,
        topic="parenting",
        shared=["situation"],
        alias=alias,
    )
    basis = LegalBasis.objects.create(
        municipality=home.municipality, name="Matrix", provision="OSL 26:9"
    )
    return {"referral": referral.pk, "legal_basis": basis.pk}


def portal_objects(home, alias):
    """A referral from the first centre to petra's school, and one from the school to it."""
    school = Partner.objects.get(memberships__user__username="petra")
    outgoing = do_send_referral(
        actor=user("anna"),
        center=home,
        service=school.services.first(),
        topic="school-absence",
        alias=alias,
    )
    incoming = do_send_incoming_referral(
        actor=user("petra"),
        partner=school,
        center=home,
        topic="school-absence",
        family_name="Familjen Matris",
        family_contact="+46701740699",
        consent_given_by="guardian",
        consent_given_how="verbal",
        consent_scope=["identity", "contact_details"],
    )
    return {"outgoing_referral": outgoing.pk, "incoming_referral": incoming.pk}


def outreach_objects(home, person):
    """An outreach shift and a group (full documentation) with a session that has begun, a
    participant and a waiting-list entry, at the first centre."""
    import datetime as dt

    from nara.core.actions import groups
    from nara.core.actions.outreach import do_record_outreach

    anna, now = user("anna"), timezone.now()
    shift = do_record_outreach(
        actor=anna,
        center=home,
        starts_at=now - dt.timedelta(hours=3),
        ends_at=now,
        staff=[anna],
        area=Area.objects.filter(catchments__center=home).first(),
        counts={("13-17", "male"): 4},
    )
    group = groups.do_create_group(
        actor=anna, center=home, service=home.services.get(slug="unga"), title="Matrix", capacity=1
    )
    session = groups.do_add_session(
        actor=anna, activity=group, starts_at=now - dt.timedelta(hours=1), ends_at=now
    )
    participant = groups.do_register_participant(actor=anna, activity=group, person=person)
    other = do_create_person(actor="test", center=home, first_name="Vänta", last_name="Lista")
    waiting = groups.do_add_to_waiting_list(actor=anna, activity=group, person=other)
    return {
        "shift": shift.pk,
        "group": group.pk,
        "session": session.pk,
        "participant": participant.pk,
        "waiting": waiting.pk,
    }


OBJECT_FOR = {
    "api-token-revoke": "api_token",
    "api-webhook": "api_partner",
    "partner-referral": "outgoing_referral",
    "partner-referral-status": "outgoing_referral",
    "portal-referral": "outgoing_referral",
    "portal-referral-status": "outgoing_referral",
    "portal-sent": "incoming_referral",
    "portal-sent-withdraw": "incoming_referral",
    "incoming": "incoming_referral",
    "incoming-status": "incoming_referral",
    "incoming-link": "incoming_referral",
    "schedule": "schedule",
    "schedule-delete": "schedule",
    "exception": "exception",
    "exception-delete": "exception",
    "directory": "directory",
    "directory-delete": "directory",
    "service": "service",
    "area": "area",
    "myth-edit": "myth",
    "person": "person",
    "person-identity": "person",
    "person-contact-details": "person",
    "person-legal-hold": "person",
    "person-alias-link": "person",
    "person-household-add": "person",
    "household": "household",
    "household-legal-hold": "household",
    "household-member-remove": "member",
    "alias": "alias",
    "alias-unlink": "alias",
    "emergency-review": "emergency",
    "appointment-status": "appointment",
    "appointment-nudge": "appointment",
    "appointment-correct": "appointment",
    "question": "question",
    "callback": "callback",
    "task-done": "task",
    "user": "user",
    "user-reset": "user",
    "planning-scenario": "scenario",
    "planning-scenario-print": "scenario",
    "planning-scenario-delete": "scenario",
    "planning-scenario-rerun": "scenario",
    "journal": "person",
    "household-journal": "household",
    "journal-correct": "note",
    "consents": "person",
    "consent-new": "person",
    "household-consents": "household",
    "household-consent-new": "household",
    "consent-withdraw": "consent",
    "escalate-person": "person",
    "escalate-contact": "contact",
    "escalation": "escalation",
    "contact": "contact",
    "contact-offer": "contact",
    "offer": "offer",
    "planning-scenario-apply": "scenario",
    "meeting": "meeting",
    "meeting-action-new": "meeting",
    "meeting-action-status": "meeting_action",
    "person-refer": "person",
    "household-refer": "household",
    "alias-refer": "alias",
    "contact-refer": "contact",
    "referral": "referral",
    "referral-status": "referral",
    "referral-meeting": "referral",
    "partner": "partner",
    "partner-edit": "partner",
    "partner-service-new": "partner",
    "partner-service": "partner_service",
    "partner-service-capacity": "partner_service",
    "partner-hours-new": "partner_service",
    "partner-hours": "partner_hours",
    "partner-hours-delete": "partner_hours",
    "legal-basis": "legal_basis",
    "outreach-shift": "shift",
    "outreach-edit": "shift",
    "group": "group",
    "group-session-new": "group",
    "group-register": "group",
    "group-waiting-add": "group",
    "group-session": "session",
    "group-waiting-offer": "waiting",
    "group-leave": "participant",
    "insights-area": "catchment_area",
    "evaluation": "evaluation",
}


def concrete(name, route, objects):
    short = name.split(":")[-1]
    pk = objects[OBJECT_FOR.get(short, "centre")]
    code = objects["area_code"] if short == "statistics-area" else objects["code"]
    return "/" + (
        route.replace("<int:pk>", str(pk))
        .replace("<slug:slug>", objects["slug"])
        .replace("<str:code>", code)
    )


@pytest.fixture
def personas(demo):
    clients = {
        name: signed_in(user(username))
        for name, username in [
            ("admin", "admin"),
            ("manager", "maria"),
            ("worker", "anna"),
            ("other_worker", "omar"),
            ("analyst", "ahmed"),
            ("partner", "petra"),
        ]
    }
    from django.test import Client

    clients["anonymous"] = Client()
    return clients


def outcome_problems(name, url, personas, allowed):
    """GET as everyone; POST-only views are also POSTed by those who must be refused."""
    problems = []
    for persona, client in personas.items():
        status = client.get(url).status_code
        if status == 405 and persona not in allowed:
            status = client.post(url).status_code
        if persona == "anonymous":
            ok = status == 302
        elif persona in allowed:
            ok = status in (200, 405)
        else:
            ok = status == 403
        if not ok:
            problems.append(f"{url} ({name}) as {persona}: {status}")
    return problems


def run_matrix(personas, objects, only=None):
    problems = []
    for name, route in all_urls():
        if only and name not in only:
            continue
        url = concrete(name, route, objects)
        if name in EXPECTED:
            problems += outcome_problems(name, url, personas, EXPECTED[name])
        else:
            for persona, client in personas.items():
                if client.get(url).status_code >= 500:
                    problems.append(f"{url} ({name}) as {persona}: server error")
    return problems


def test_every_url_has_an_expectation():
    names = {name for name, _route in all_urls()}
    unknown = {n for n in names if n not in EXPECTED and n not in OPEN and n not in API_EXPECTED}
    unknown = {n for n in unknown if not n.startswith(PUBLIC_PREFIX)}
    assert not unknown, f"URLs without an access expectation: {sorted(unknown)}"
    assert not set(EXPECTED) - names, "expectations for URLs that no longer exist"
    assert not set(API_EXPECTED) - names, "API expectations for URLs that no longer exist"


def test_matrix(personas, objects):
    assert run_matrix(personas, objects) == []


INSIGHTS_WITH_FILTERS = {
    "/staff/insights/": 200,  # the default dashboard, with a message
    "/staff/insights/report/": 200,
    "/staff/insights/export/": 400,
    "/staff/insights/kolada.csv": 400,
    "/staff/insights/report.pdf": 400,
}


def test_insights_refuse_a_municipality_of_none_of_the_users_centres(personas, objects):
    """?municipality= chooses among the municipalities of the centres one may see, and is no
    way around them: the manager (Exempelstad's centre) asks for Grannkommun, where another
    centre is; the analyst (every centre) for Tomby, where there is none."""
    from nara.core.models import Center, Municipality

    town = Municipality.objects.create(code="9998", name="Grannkommun")
    Center.objects.create(
        municipality=town,
        slug="grannby",
        name="Grannby centrum",
        street_address="Grannvägen 1",
        postal_code="123 45",
        city="Grannby",
        lon=16.5,
        lat=58.5,
    )
    nowhere = Municipality.objects.create(code="9997", name="Tomby")
    problems = []
    for persona, asked in (("manager", town), ("analyst", nowhere), ("manager", nowhere)):
        for url, expected in INSIGHTS_WITH_FILTERS.items():
            response = personas[persona].get(url, {"municipality": asked.pk})
            body = response.content.decode(errors="replace")
            heading = body.split("<h1>")[1].split("</h1>")[0] if "<h1>" in body else ""
            if response.status_code != expected or asked.name in heading:
                problems.append(f"{url}?municipality={asked} as {persona}: refused not")
            elif expected == 200 and "Några filter kunde inte användas" not in body:
                problems.append(f"{url}?municipality={asked} as {persona}: no message")
    assert problems == []


@pytest.fixture
def api_personas(demo, objects):
    """A partner's system with no token, one per scope, a revoked and an expired one (all of
    petra's school), and another partner's token with every scope."""
    from tests.api.conftest import ALL, Api, issue

    school = Partner.objects.get(memberships__user__username="petra")
    other = Partner.objects.get(name="Matrix partner")
    clients = {"anonymous": Api(), "other": Api(issue(other, ALL))}
    for scope in ("read", "write", "status"):
        clients[scope] = Api(issue(school, [f"referrals:{scope}"]))
    for gone in ("revoked", "expired"):
        clients[gone] = Api(issue(school, ALL, name=gone))
    token = ApiToken.objects.get(name="revoked")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    ApiToken.objects.filter(name="expired").update(expires_at=timezone.now())
    return clients


def api_body(name, objects):
    home = objects["centre"]
    if name == "api:partner-referrals":
        return {
            "centre": home,
            "topic": "school-absence",
            "family": {"name": "Familjen Matris", "phone": "+46701740699"},
            "consent": {
                "recipient_centre": home,
                "given_by": "guardian",
                "given_how": "verbal",
                "scope": ["identity", "contact_details"],
            },
        }
    return {"status": "received"}


def run_api_matrix(api_personas, objects):
    from django.db import transaction

    problems = []
    for name, route in all_urls():
        if name not in API_EXPECTED:
            continue
        url = concrete(name, route, objects)
        for method, expected in API_EXPECTED[name].items():
            for persona in API_PERSONAS:
                api = api_personas[persona]
                with transaction.atomic():  # every persona meets the same referral
                    if method == "GET":
                        response = api.get(url)
                    else:
                        response = api.post(url, api_body(name, objects))
                    transaction.set_rollback(True)
                status = response.status_code
                problem = response["Content-Type"] == "application/problem+json"
                if status != expected[persona] or (status >= 400 and not problem):
                    problems.append(f"{method} {url} ({name}) as {persona}: {status}")
    return problems


def test_api_matrix(api_personas, objects):
    assert run_api_matrix(api_personas, objects) == []


def test_api_matrix_catches_a_view_whose_scope_check_was_removed(
    api_personas, objects, monkeypatch
):
    from nara.api.partner_views import ReferralItem

    monkeypatch.setattr(ReferralItem, "required_scopes", {"GET": None})
    monkeypatch.setattr(ReferralItem, "permission_classes", [])
    problems = run_api_matrix(api_personas, objects)
    assert any("as write: 200" in p for p in problems)


def test_matrix_catches_a_view_whose_check_was_removed(personas, objects, monkeypatch):
    from nara.core import access
    from nara.core.models import Center

    monkeypatch.setattr(
        access, "get_centre", lambda user, pk, manage=False: Center.objects.get(pk=pk)
    )
    problems = run_matrix(personas, objects, only={"workspace:centre", "workspace:centre-edit"})
    assert any("as other_worker: 200" in p for p in problems)


def test_matrix_catches_a_new_unprotected_url(settings):
    settings.ROOT_URLCONF = "tests.workspace.unprotected_urls"
    names = {name for name, _route in all_urls()}
    assert "workspace:forgotten" in names - set(EXPECTED) - OPEN
