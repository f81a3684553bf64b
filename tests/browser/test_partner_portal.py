"""The partner portal in Chromium, on a 360-px phone, through the real pages.

(a) Petra, a partner user at Ekbackens skola, sends a family to Anna's social centre with the
family's consent; Anna finds the task in her today view, opens the referral, receives it,
accepts it and makes contact within the day (the time to first contact shows, under a day);
Petra then sees "contact made".
(b) Anna's centre referred a family to the school (made in the setup with the family's
consent); Petra opens it, sees the name the consent covers, accepts it and marks contact made;
the centre's referral is then "contact made".
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from .support import db_call, status_word, tr
from .test_staff_flows import STAFF_LANG, accessibility_problems, axe_context, signed_in_state

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
FAMILY = "Familjen Lindholm"
PHONE_NUMBER = "+46701740690"


def status_text(word):
    """A referral status word as the staff pages show it."""
    return status_word(STAFF_LANG, word)


def sv(message, **values):
    return tr(STAFF_LANG, message, **values)


def button(page, label):
    """A status button: its text is the status word with a capital first letter."""
    text = status_text(label)
    return page.locator("main").get_by_role("button", name=text[:1].upper() + text[1:], exact=True)


def fits(page, label, found):
    """The page is no wider than the phone, and passes the accessibility check."""
    extra = page.evaluate("document.documentElement.scrollWidth") - PHONE["width"]
    if extra > 0:
        found.append(f"{label} ({page.url}): {extra} px too wide")
    found.extend(accessibility_problems(page, label))


def _anna_centre():
    from nara.core.models import Membership

    return Membership.objects.get(user__username="anna").center.pk


def _incoming(family):
    from nara.core.actions.incoming import incoming_family
    from nara.core.models import Referral

    for referral in Referral.objects.filter(direction="incoming").order_by("-pk"):
        if incoming_family(referral)["name"] == family:
            return referral.pk, referral.status, referral.partner.name, referral.center_id
    return None


def _outgoing_with_consent():
    """Anna's centre refers a person to the school's service, with the person's consent."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from nara.core.actions.consent import do_record_consent
    from nara.core.actions.people import do_create_person
    from nara.core.actions.referrals import do_send_referral
    from nara.core.models import Membership, Partner

    anna = get_user_model().objects.get(username="anna")
    centre = Membership.objects.get(user=anna).center
    school = Partner.objects.get(memberships__user__username="petra")
    person = do_create_person(
        actor="test",
        center=centre,
        first_name="Yasmin",
        last_name="Portalsson",
        phone="070-1740691",
    )
    do_record_consent(
        actor=anna,
        center=centre,
        person=person,
        recipient_partner=school,
        scope=["identity", "contact_details", "situation"],
        purpose="Remiss till elevhälsan",
        given_how="verbal",
        given_by="person",
        valid_until=timezone.localdate() + dt.timedelta(days=90),
    )
    referral = do_send_referral(
        actor=anna,
        center=centre,
        service=school.services.first(),
        topic="school-absence",
        shared=["identity", "contact_details", "situation"],
        person=person,
    )
    return referral.pk


def _status(pk):
    from nara.core.models import Referral

    return Referral.objects.get(pk=pk).status


@pytest.fixture(scope="module")
def petra_state(browser, nara_site):
    return signed_in_state(browser, nara_site, "petra")


@pytest.fixture(scope="module")
def anna_state(browser, nara_site):
    return signed_in_state(browser, nara_site, "anna")


def phone_page(new_context, state):
    context = axe_context(new_context, locale="sv-SE", viewport=PHONE, storage_state=state)
    return context.new_page()


def test_a_school_sends_a_family_in_and_the_centre_makes_contact_within_the_day(
    new_context, petra_state, anna_state
):
    centre = db_call(_anna_centre)
    found = []

    # Petra: the portal, the form, the family's consent.
    petra = phone_page(new_context, petra_state)
    petra.goto("/staff/")
    expect(petra.get_by_role("heading", level=1)).to_have_text(sv("Referrals"))
    fits(petra, "partner portal", found)
    petra.get_by_role("link", name=sv("Refer a family to a social centre")).click()
    petra.get_by_label(sv("To which centre")).select_option(str(centre))
    petra.get_by_label(sv("What the family needs help with")).select_option("school-absence")
    petra.get_by_label(sv("The family's name")).fill(FAMILY)
    petra.locator("#id_phone").fill(PHONE_NUMBER)
    petra.get_by_label(sv("a guardian")).check()
    petra.get_by_label(sv("verbally")).check()
    expect(petra.get_by_label(sv("name and identity"))).to_be_checked()
    expect(petra.get_by_label(sv("contact details"))).to_be_checked()
    fits(petra, "send a family", found)
    petra.locator("main").get_by_role("button", name=sv("Send the referral")).click()
    petra.wait_for_url("**/staff/portal/sent/*/")
    expect(petra.locator("[data-status]").first).to_have_attribute("data-status", "sent")
    fits(petra, "family sent", found)
    pk, status, partner, to_centre = db_call(_incoming, FAMILY)
    assert (status, partner, to_centre) == ("sent", "Ekbackens skola", centre)

    # Anna: the task in the today view leads to the referral; contact made the same day.
    anna = phone_page(new_context, anna_state)
    anna.goto("/staff/")
    task = anna.locator("li[data-task]", has_text=sv("Contact the family a partner referred"))
    task.get_by_role("link", name=sv("Open the referral")).click()
    anna.wait_for_url(f"**/staff/incoming/{pk}/")
    expect(anna.locator(".family-name")).to_have_text(FAMILY)
    expect(anna.locator("main")).to_contain_text(PHONE_NUMBER)
    expect(anna.locator(".first-contact")).to_have_text(sv("no contact yet"))
    fits(anna, "referral from a partner", found)
    for step in ("received", "accepted", "contact made"):
        button(anna, step).click()
        expect(anna.locator("dd [data-status]")).to_have_text(
            re.compile(re.escape(status_text(step)), re.IGNORECASE)
        )
    after = anna.locator(".first-contact").inner_text()
    assert re.search(r"\d+ minut", after) and "dag" not in after and "timm" not in after, after
    assert db_call(_status, pk) == "contact_made"
    anna.goto("/staff/")
    expect(anna.locator("main")).not_to_contain_text(sv("Contact the family a partner referred"))

    # Petra sees only that contact is made.
    petra.reload()
    expect(petra.locator("dd [data-status]")).to_have_attribute("data-status", "contact_made")
    expect(petra.locator("dd [data-status]")).to_have_text(
        re.compile(re.escape(status_text("contact made")), re.IGNORECASE)
    )
    assert found == [], "\n".join(found)


def test_the_school_accepts_a_referral_and_marks_contact_made_through_the_portal(
    new_context, petra_state
):
    pk = db_call(_outgoing_with_consent)
    found = []
    petra = phone_page(new_context, petra_state)
    petra.goto("/staff/")
    petra.locator(f"li[data-referral='{pk}']").get_by_role("link").click()
    petra.wait_for_url(f"**/staff/portal/referrals/{pk}/")
    expect(petra.locator(".family-name")).to_have_text("Yasmin Portalsson")  # the consent covers
    expect(petra.locator("main")).to_contain_text("070-1740691")
    fits(petra, "referral to the school", found)
    expect(button(petra, "accepted")).to_have_count(0)  # first it is received
    for step in ("received", "accepted", "contact made"):
        button(petra, step).click()
        expect(petra.locator(".message.success")).to_be_visible()
    expect(petra.locator("dd [data-status]")).to_have_attribute("data-status", "contact_made")
    assert db_call(_status, pk) == "contact_made"
    assert found == [], "\n".join(found)
