"""A Linköping generalist refers a family to the region's child psychiatry, in Chromium.

Through the real pages: the referral is first refused for want of consent (with the way to
record it), the guardian's consent to BUP is recorded, the family is referred, and once the
partner has answered the centre sees every step with how long it took and closes the loop.

The partner's side (received, accepted, contact made) is taken in the partner portal by the
demo's partner user of the child psychiatry (bodil), in her own browser.
"""

import datetime as dt

import pytest
from playwright.sync_api import expect

from .support import db_call, status_word, tr
from .test_staff_flows import STAFF_LANG, accessibility_problems, axe_context, signed_in_state

pytestmark = pytest.mark.browser

FAMILY = "Familjen Referens-Berg"
PARTNER = "BUP, regionen"
SERVICE = "Första linjen för barn och unga"


def status_text(word):
    """A referral status word as the staff pages show it."""
    return status_word(STAFF_LANG, word)


def sv(message, **values):
    return tr(STAFF_LANG, message, **values)


def sv_n(singular, plural, n):
    from django.utils import translation

    with translation.override(STAFF_LANG):
        return translation.ngettext(singular, plural, n) % {"n": n}


def hours(n):
    return sv_n("%(n)d hour", "%(n)d hours", n)


def days(n):
    return sv_n("%(n)d day", "%(n)d days", n)


def _family_and_bup():
    """Anna's centre gets the region's child psychiatry in its directory; a family with a
    child is registered there (setup: the directory and people pages are tested elsewhere)."""
    from django.utils import timezone

    from nara.core.actions.households import do_add_member, do_create_household
    from nara.core.actions.people import do_create_person
    from nara.core.models import Membership, Partner, PartnerService

    centre = Membership.objects.select_related("center").get(user__username="anna").center
    # The demo's child psychiatry, whose partner user is bodil.
    partner = Partner.objects.get(municipality=centre.municipality, name=PARTNER)
    service = PartnerService.objects.create(
        partner=partner,
        name=SERVICE,
        topics=["parenting"],
        age_max=17,
        capacity_confirmed_on=timezone.localdate(),
    )
    household = do_create_household(actor="test", center=centre, name=FAMILY)
    child = do_create_person(
        actor="test", center=centre, first_name="Elin", last_name="Referens-Berg"
    )
    do_add_member(actor="test", household=household, person=child, relationship="child")
    return {"household": household.pk, "partner": partner.pk, "service": service.pk}


def _spread_the_steps(referral_pk):
    """The partner's steps, taken a moment ago in the portal, spread over the past days so
    that their durations show."""
    from django.utils import timezone

    from nara.core.models import ReferralEvent

    sent_at = timezone.now() - dt.timedelta(days=4)
    for status, hours in (("sent", 0), ("received", 20), ("accepted", 26), ("contact_made", 74)):
        ReferralEvent.objects.filter(referral_id=referral_pk, status=status).update(
            at=sent_at + dt.timedelta(hours=hours)
        )


def _referral_of(household_pk):
    from nara.core.models import AuditEvent, Referral

    referral = Referral.objects.get(household_id=household_pk)
    flags = AuditEvent.objects.get(action="referral.send", object_id=str(referral.pk)).flags
    return {
        "pk": referral.pk,
        "status": referral.status,
        "consent_partner": referral.consent.recipient_partner.name if referral.consent else None,
        "shared": referral.shared,
        "flags": flags,
        "events": list(referral.events.values_list("status", "by_partner")),
    }


@pytest.fixture(scope="module")
def anna_state(browser, nara_site):
    return signed_in_state(browser, nara_site, "anna")


@pytest.fixture(scope="module")
def bodil_state(browser, nara_site):
    """Bodil, the partner user of the region's child psychiatry in the demo."""
    return signed_in_state(browser, nara_site, "bodil")


def status_button(page, label):
    text = status_text(label)
    return page.locator("main").get_by_role("button", name=text[:1].upper() + text[1:], exact=True)


def test_linkoping_generalist_refers_a_family_to_bup_and_sees_the_loop_closed(
    new_context, anna_state, bodil_state
):
    setting = db_call(_family_and_bup)
    page = axe_context(new_context, locale="sv-SE", storage_state=anna_state).new_page()
    main = page.locator("main")
    found = []

    # 1. Refer from the household page: without consent it is refused, naming what is missing.
    page.goto(f"/staff/households/{setting['household']}/")
    main.get_by_role("link", name=sv("Refer to a partner")).click()
    page.get_by_label(sv("Service")).select_option(str(setting["service"]))
    expect(page.get_by_label(sv("Service"))).to_contain_text(sv("taking referrals"))
    page.get_by_label(sv("Reason")).select_option("parenting")
    for scope in ("name and identity", "contact details", "the reason for contact"):
        page.get_by_label(sv(scope), exact=True).check()
    found.extend(accessibility_problems(page, "referral form"))
    main.get_by_role("button", name=sv("Send the referral")).click()
    expect(main.locator(".errorlist")).to_contain_text(PARTNER)
    found.extend(accessibility_problems(page, "referral refused for want of consent"))

    # 2. The guardian's consent to BUP, recorded from the link the refusal gives.
    main.get_by_role("link", name=sv("Record the resident's consent to this partner first")).click()
    for scope in ("name and identity", "contact details", "the reason for contact"):
        page.get_by_label(sv(scope), exact=True).check()
    page.get_by_label(sv("Recipient: a partner")).select_option(label=PARTNER)
    page.get_by_label(sv("Purpose")).fill("Remiss till BUP om oro för barnet")
    page.get_by_label(sv("in writing"), exact=True).check()
    page.get_by_label(sv("a guardian"), exact=True).check()
    page.get_by_label(sv("Valid until")).fill(
        (dt.date.today() + dt.timedelta(days=180)).isoformat()
    )
    main.get_by_role("button", name=sv("Save")).click()
    expect(page.locator(".messages")).to_contain_text(sv("The consent is recorded."))

    # 3. Referred: the referral page says sent, on the guardian's consent.
    page.goto(f"/staff/households/{setting['household']}/refer/")
    page.get_by_label(sv("Service")).select_option(str(setting["service"]))
    page.get_by_label(sv("Reason")).select_option("parenting")
    for scope in ("name and identity", "contact details", "the reason for contact"):
        page.get_by_label(sv(scope), exact=True).check()
    main.get_by_role("button", name=sv("Send the referral")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{sv('Referral')}: {PARTNER}")
    expect(main.locator("[data-status]")).to_have_text(status_text("sent").capitalize())
    expect(main).to_contain_text(sv("The resident's consent to this recipient"))
    found.extend(accessibility_problems(page, "referral page, sent"))
    referral = db_call(_referral_of, setting["household"])
    assert referral["consent_partner"] == PARTNER and referral["status"] == "sent"
    assert referral["shared"] == ["contact_details", "identity", "situation"]
    assert "statutory_sharing" not in referral["flags"]

    # 4. BUP's partner user opens it in the portal (name and phone: the consent covers them),
    # receives, accepts and marks contact made; the centre sees every step and its duration.
    bup = axe_context(new_context, locale="sv-SE", storage_state=bodil_state).new_page()
    bup.goto("/staff/")
    bup.locator(f"li[data-referral='{referral['pk']}']").get_by_role("link").click()
    bup.wait_for_url(f"**/staff/portal/referrals/{referral['pk']}/")
    found.extend(accessibility_problems(bup, "the referral in BUP's portal"))
    for step in ("received", "accepted", "contact made"):
        status_button(bup, step).click()
        expect(bup.locator(".message.success")).to_be_visible()
    expect(bup.locator("dd [data-status]")).to_have_attribute("data-status", "contact_made")
    db_call(_spread_the_steps, referral["pk"])
    page.reload()
    expect(main.locator("[data-status]")).to_have_text(status_text("contact made").capitalize())
    steps = main.locator("table.timeline tbody tr")
    expect(steps).to_have_count(4)
    expect(steps.nth(1)).to_contain_text(hours(20))
    expect(steps.nth(1)).to_contain_text(PARTNER)
    expect(steps.nth(2)).to_contain_text(hours(6))
    expect(steps.nth(3)).to_contain_text(days(2))
    expect(main).to_contain_text(sv("first contact after %(took)s", took=f"{days(3)} {hours(2)}"))
    found.extend(accessibility_problems(page, "referral page, contact made"))

    # 5. The centre closes the loop.
    page.get_by_label(sv("New status")).select_option("closed")
    main.get_by_role("button", name=sv("Save"), exact=True).click()
    expect(page.locator(".messages")).to_contain_text(sv("The referral's status is saved."))
    expect(main.locator("[data-status]")).to_have_text(status_text("closed").capitalize())
    page.goto("/staff/referrals/?state=closed")
    expect(main.locator(f'tr[data-referral="{referral["pk"]}"]')).to_contain_text(
        status_text("closed").capitalize()
    )
    found.extend(accessibility_problems(page, "referrals list"))
    # On a phone: the list and the referral page fit 360 px, no sideways scrolling.
    page.set_viewport_size({"width": 360, "height": 740})
    for path in ("/staff/referrals/?state=closed", f"/staff/referrals/{referral['pk']}/"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    closed = db_call(_referral_of, setting["household"])
    assert closed["status"] == "closed"
    assert closed["events"] == [
        ("sent", False),
        ("received", True),
        ("accepted", True),
        ("contact_made", True),
        ("closed", False),
    ]
    assert not found, "\n\n".join(found)
