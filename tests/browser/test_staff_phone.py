"""Every staff page fits a 360-px phone: social workers and managers use phones in the field.

A manager, the administrator and the analyst open every staff GET page they may open (the
pages of the authorization matrix) in a 360-px wide browser; no page may be wider than the
screen. One browser, one context per person.
"""

import datetime as dt

import pytest

from tests.workspace.test_authorization_matrix import EXPECTED, all_urls

from .support import db_call
from .test_staff_flows import signed_in_state

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
PERSONAS = {"manager": "maria", "admin": "admin", "analyst": "ahmed"}
# Objects the URLs need, by the last part of the URL name (the rest take the manager's centre).
OBJECT_FOR = {
    "schedule": "schedule",
    "exception": "exception",
    "directory": "directory",
    "service": "service",
    "area": "area",
    "myth-edit": "myth",
    "user": "user",
    "question": "question",
    "callback": "callback",
    "planning-scenario": "scenario",
    "planning-scenario-print": "scenario",
    "meeting": "meeting",
    "meeting-action-new": "meeting",
    "partner": "partner",
    "partner-edit": "partner",
    "partner-service-new": "partner",
    "partner-service": "partner_service",
    "partner-service-capacity": "partner_service",
    "partner-hours-new": "partner_service",
    "partner-hours": "partner_hours",
    "legal-basis": "legal_basis",
    "api-webhook": "partner",
    "insights-area": "catchment_area",
    "evaluation": "evaluation",
}
# "-svg" and "-png": the QR images are files, not pages; "-pdf": the committee report's PDF;
# "kolada": the Kolada CSV download.
NOT_PAGES = (
    "delete",
    "export",
    "status",
    "nudge",
    "done",
    "review",
    "-svg",
    "-png",
    "-pdf",
    "kolada",
)


def _objects():
    """Primary keys of objects of the manager's centre (and a planning scenario)."""
    from django.contrib.auth import get_user_model

    from nara.core.models import (
        Area,
        LegalBasis,
        Membership,
        MythFact,
        Partner,
        PartnerMeeting,
        PartnerService,
        PartnerServiceSchedule,
        Service,
    )
    from nara.planning.demo import create_example_scenario
    from nara.planning.models import Scenario

    centre = Membership.objects.get(user__username="maria", role="centre_manager").center
    scenario = Scenario.objects.first() or create_example_scenario(
        actor="test", municipality=centre.municipality
    )
    first = lambda queryset: queryset.values_list("pk", flat=True).first()  # noqa: E731
    return {
        "centre": centre.pk,
        "schedule": first(centre.schedules.all()),
        "exception": first(centre.exceptions.all()),
        "directory": first(centre.staff.all()),
        "service": first(Service.objects.all()),
        "area": first(Area.objects.all()),
        "catchment_area": first(Area.objects.filter(catchments__center=centre)),
        "myth": first(MythFact.objects.all()),
        "user": first(get_user_model().objects.filter(username="anna")),
        "question": first(centre.questions.all()) if hasattr(centre, "questions") else None,
        "callback": None,
        "scenario": scenario.pk,
        "meeting": first(PartnerMeeting.objects.filter(center=centre)) or _meeting(centre),
        "partner": first(Partner.objects.filter(services__isnull=False)),
        "partner_service": first(PartnerService.objects.all()),
        "partner_hours": first(PartnerServiceSchedule.objects.all()),
        "legal_basis": first(LegalBasis.objects.all()),
        "evaluation": _evaluation(centre),
    }


def _evaluation(centre):
    """The demo's example evaluation (series, openings and a saved result)."""
    from nara.evaluation.demo import build_demo_outcomes
    from nara.evaluation.models import Evaluation

    if not Evaluation.objects.exists():
        build_demo_outcomes(centre.municipality)
    return Evaluation.objects.values_list("pk", flat=True).first()


def _meeting(centre):
    """An SSPF meeting with an action and counts (the browser demo has no casework)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from nara.core.actions.meetings import OUTSIDE, AgreedAction, do_record_meeting

    maria = get_user_model().objects.get(username="maria")
    today = timezone.localdate()
    return do_record_meeting(
        actor=maria,
        center=centre,
        held_on=today,
        place="Skolan",
        is_sspf=True,
        sspf_counts={("13-15", OUTSIDE): 2},
        actions=[AgreedAction("Kvällsvandring", maria, today + dt.timedelta(days=7))],
    ).pk


def staff_get_pages(persona, objects):
    for name, route in all_urls():
        short = name.split(":")[-1]
        if persona not in EXPECTED.get(name, ()) or any(word in short for word in NOT_PAGES):
            continue
        pk = objects.get(OBJECT_FOR.get(short, "centre"))
        if "<int:pk>" in route and pk is None:
            continue
        url = "/" + route.replace("<int:pk>", str(pk))
        yield url
        if short == "calendar":
            yield url + "?view=week"


# The outermost elements that stick out to the right, to say what to fix.
WIDEST = """(() => {
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const right = el.getBoundingClientRect().right;
    if (right > 361 && !(el.parentElement.getBoundingClientRect().right > 361)) {
      const text = (el.textContent || "").replace(/\\s+/g, " ").slice(0, 40);
      out.push(`${el.tagName}.${el.className} ${Math.round(right)} ${text}`);
    }
  }
  return out.slice(0, 6).join(" | ");
})()"""


def overflow(page):
    return page.evaluate("document.documentElement.scrollWidth") - PHONE["width"]


def test_every_staff_page_fits_a_360_px_phone(browser, nara_site):
    objects = db_call(_objects)
    problems = []
    for persona, username in PERSONAS.items():
        state = signed_in_state(browser, nara_site, username)
        context = browser.new_context(
            base_url=nara_site.url, locale="sv-SE", viewport=PHONE, storage_state=state
        )
        try:
            page = context.new_page()
            for url in staff_get_pages(persona, objects):
                # A page that only takes a POST (publish, withdraw, ...) has nothing to show.
                if context.request.get(url, max_redirects=0).status == 405:
                    continue
                response = page.goto(url)
                if response.status != 200 or "text/html" not in response.headers["content-type"]:
                    continue
                extra = overflow(page)
                if extra > 0:
                    widest = page.evaluate(WIDEST)
                    problems.append(f"{url} as {persona}: {extra} px too wide ({widest})")
        finally:
            context.close()
    assert problems == [], "\n".join(problems)


def _unfinished_scenarios():
    """A scenario waiting for the worker and one whose plan failed (no worker runs here)."""
    from nara.core.models import Municipality
    from nara.planning import actions, plans

    municipality = Municipality.objects.get(is_example=True)
    request = plans.PlanRequest(
        model="catchments", k=4, capacity=1.2, capacity_on="average", contiguous=True
    )
    pks = []
    for name in ("Fyra sammanhängande baser med marginal för personal", "Misslyckad plan"):
        scenario = actions.do_queue_scenario(
            actor="test",
            municipality=municipality,
            name=name,
            model=request.model,
            parameters=request.parameters(),
            language="sv",
        )
        pks.append(scenario.pk)
    _scenario, attempt = actions.do_start_scenario(scenario_id=pks[1])
    actions.do_fail_scenario(
        scenario_id=pks[1],
        attempt=attempt,
        message="Lösaren hittade inget svar inom tidsgränsen på 180 s. Färre möjliga platser, "
        "mer kapacitet eller inget krav på sammanhängande upptagningsområden gör det lättare.",
    )
    return pks


def test_a_plan_computing_or_failed_fits_a_360_px_phone(browser, nara_site):
    """The pages shown instead of the plan: "computing" (reloads itself) and "failed" with
    "Run again"."""
    pks = db_call(_unfinished_scenarios)
    state = signed_in_state(browser, nara_site, "ahmed")
    context = browser.new_context(
        base_url=nara_site.url, locale="sv-SE", viewport=PHONE, storage_state=state
    )
    try:
        page = context.new_page()
        for pk in pks:
            response = page.goto(f"/staff/planning/scenarios/{pk}/")
            assert response.status == 200
            assert overflow(page) <= 0, page.evaluate(WIDEST)
        assert page.get_by_role("button", name="Kör igen").is_visible()
    finally:
        context.close()
