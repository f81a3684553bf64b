"""The Linköping (Skäggetorp) seed in Chromium, through the real pages: a generalist meets a
family at a booked visit, registers the parent and two children and opens their household,
records the visit as a contact about the household, offers two services in it (one accepted,
one declined), and writes a journal note on the household and corrects it.

Only the booking itself is made in the setup (a resident books on the public site; the test
moves the slot an hour back so that the visit has begun). Everything else is clicked: the
contact from the calendar's booked visit (the household chosen on the form), the second offer
from the contact's page, every offer reached from the household's page, and the household's
journal from its page.
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from .support import db_call, tr
from .test_staff_flows import STAFF_LANG, accessibility_problems, axe_context, signed_in_state

pytestmark = pytest.mark.browser

SURNAME = "Al-Skäggetorp"
FAMILY = [("Leila", "parent", ""), ("Omar", "child", "2015-04-12"), ("Sara", "child", "2018-09-30")]
HOUSEHOLD = f"Familjen {SURNAME}"
NOTE = "Leila berättar att Omar har svårt i skolan och vill ha stöd"
CORRECTED = "Leila berättar att Omar har svårt i skolan och vill ha föräldrastöd"
REASON = "Det gäller föräldrastöd, inte stöd i skolan"


def sv(message, **values):
    return tr(STAFF_LANG, message, **values)


def sv_ctx(context, message):
    from django.utils import translation

    with translation.override(STAFF_LANG):
        return translation.pgettext(context, message)


def _booked_visit_that_has_begun():
    """A resident's booking at Anna's centre, the slot moved an hour back; the services used."""
    from django.utils import timezone, translation

    from nara.core.actions import booking
    from nara.core.models import Membership, Service, Slot

    centre = Membership.objects.select_related("center").get(user__username="anna").center
    full = Service.objects.get(slug="unga")  # support for young people and families: full
    accepted = Service.objects.get(slug="samtal")
    declined = Service.objects.get(slug="boende")
    centre.services.add(full, accepted, declined)  # the centre gives them (setup, not casework)
    slot = Slot.objects.filter(center=centre, appointments__isnull=True).first()
    appointment, _token, _code = booking.do_book(
        slot_id=slot.pk, mode=slot.modes[0], alias="Leila", language="sv", topic="parenting"
    )
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    Slot.objects.filter(pk=slot.pk).update(starts_at=an_hour_ago, ends_at=timezone.now())
    with translation.override(STAFF_LANG):
        names = [str(s.name) for s in (full, accepted, declined)]
    return {
        "centre": centre.pk,
        "appointment": appointment.pk,
        "day": timezone.localtime(an_hour_ago).date().isoformat(),
        "full": names[0],
        "accepted": names[1],
        "declined": names[2],
    }


def _contacts_of_appointment_day(centre_pk, since_pk):
    from nara.core.models import Contact

    return [
        (c.pk, c.channel, c.service.slug, c.appointment_id, c.person_id, c.household_id)
        for c in Contact.objects.filter(center_id=centre_pk, pk__gt=since_pk).order_by("pk")
    ]


def _last_contact_pk():
    from nara.core.models import Contact

    last = Contact.objects.order_by("-pk").first()
    return last.pk if last else 0


def _recorded(surname):
    from nara.core.models import Household, JournalNote

    household = Household.objects.get(name=f"Familjen {surname}")
    members = sorted(
        (m.person.first_name, m.relationship) for m in household.members.select_related("person")
    )
    notes = [
        (n.text, n.corrects_id, n.correction_reason, n.author.username, n.pk)
        for n in JournalNote.objects.filter(household=household).order_by("pk")
    ]
    return {"household": household.pk, "members": members, "notes": notes}


def _offers_of_appointment(appointment_pk):
    from nara.core.models import SupportOffer

    return [
        (o.service.slug, o.answer, o.contact_id, o.household_id)
        for o in SupportOffer.objects.filter(contact__appointment_id=appointment_pk).order_by("pk")
    ]


@pytest.fixture(scope="module")
def anna_state(browser, nara_site):
    return signed_in_state(browser, nara_site, "anna")


def _save_contact(page, found, label):
    found.extend(accessibility_problems(page, label))
    page.locator("main").get_by_role("button", name=sv("Save contact")).click()
    expect(page.locator(".message.success")).to_contain_text(sv("Saved.").rstrip("."))


def test_linkoping_generalist_booked_visit_offers_household_and_journal(new_context, anna_state):
    visit = db_call(_booked_visit_that_has_begun)
    since = db_call(_last_contact_pk)
    page = axe_context(new_context, locale="sv-SE", storage_state=anna_state).new_page()
    main = page.locator("main")
    found = []

    # 1. The family came: the parent and the two children are registered.
    people = {}
    for first_name, _relationship, birth_date in FAMILY:
        page.goto("/staff/people/new/")
        page.get_by_label(sv("Centre")).select_option(str(visit["centre"]))
        page.get_by_label(sv("First name")).fill(first_name)
        page.get_by_label(sv("Last name")).fill(SURNAME)
        page.get_by_label(sv("No number: give a temporary identity of the municipality")).check()
        if birth_date:
            page.get_by_label(sv("Date of birth")).fill(birth_date)
        main.get_by_role("button", name=sv("Save")).click()
        page.wait_for_url("**/staff/people/*/")
        expect(page.get_by_role("heading", level=1)).to_have_text(f"{first_name} {SURNAME}")
        people[first_name] = page.url
    found.extend(accessibility_problems(page, "person page"))

    # 2. The household, from the parent's page, and the three of them in it.
    page.goto(people["Leila"])
    main.get_by_role("link", name=sv("New household")).click()
    page.get_by_label(sv("Centre")).select_option(str(visit["centre"]))
    page.get_by_label(sv("Name of the household")).fill(HOUSEHOLD)
    main.get_by_role("button", name=sv("Save")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HOUSEHOLD)
    expect(main).to_contain_text(sv("No members yet."))
    household_url = page.url
    for first_name, relationship, _birth_date in FAMILY:
        page.goto(people[first_name])
        page.get_by_label(re.compile(rf"^{sv('Household')}:?$")).select_option(label=HOUSEHOLD)
        page.get_by_label(sv("Relationship")).select_option(relationship)
        main.get_by_role("button", name=sv("Add to the household")).click()
        expect(page.locator(".messages")).to_contain_text(
            sv("The person was added to the household.")
        )
    members = main.locator("ul.results > li")
    expect(members).to_have_count(3)
    parent, child = (
        sv_ctx("household relationship", "parent"),
        sv_ctx("household relationship", "child"),
    )
    expect(members.filter(has_text=f"Leila {SURNAME}")).to_contain_text(f"– {parent}")
    expect(members.filter(has_text=f"Omar {SURNAME}, 2015-04-12")).to_contain_text(f"– {child}")
    expect(members.filter(has_text=f"Sara {SURNAME}, 2018-09-30")).to_contain_text(f"– {child}")
    found.extend(accessibility_problems(page, "household page"))

    # 3. The visit: marked in the calendar, then "Record the contact" from it, about the
    # household (chosen on the form: the service documents fully), with the accepted offer.
    page.goto(f"/staff/centres/{visit['centre']}/calendar/?date={visit['day']}")
    row = page.locator(f"#appointment-{visit['appointment']}")
    row.get_by_role("button", name=sv("Came"), exact=True).click()
    row = page.locator(f"#appointment-{visit['appointment']}")
    expect(row.locator("[data-status]")).to_contain_text(sv("attended"))
    found.extend(accessibility_problems(page, "calendar"))
    row.get_by_role("link", name=sv("Record the contact")).click()
    main.get_by_role("link", name=visit["full"]).click()
    expect(main).to_contain_text(sv("From a booked visit marked as attended."))
    expect(page.locator("p.level")).to_have_text(
        sv("Full documentation: the contact can be linked to a person or household.")
    )
    page.get_by_label(sv("The visit was with the household")).select_option(label=HOUSEHOLD)
    main.get_by_role("button", name=sv("Continue")).click()
    expect(main).to_contain_text(f"{sv('About the household')}: {HOUSEHOLD}")
    expect(main).to_contain_text(sv("From a booked visit marked as attended."))
    assert page.locator("#id_channel").input_value() == "booked"
    assert page.locator("#id_occurred_on").input_value() == visit["day"]
    assert page.get_by_label(sv("Being a parent")).is_checked()  # the topic of the booking
    offer = page.locator("fieldset.offer")
    offer.get_by_label(visit["accepted"], exact=True).check()
    offer.get_by_label(sv("accepted"), exact=True).check()
    _save_contact(page, found, "contact form from a booked visit about the household")

    # 4. The second offer, declined, in the same contact: from the household's page to the
    # contact's page, "Offer another service".
    page.goto(household_url)
    main.locator("ul.contacts").get_by_role("link").first.click()
    expect(main.locator("ul.offers")).to_contain_text(f"{visit['accepted']}: {sv('accepted')}")
    another = main.locator("form.offer-another")
    another.get_by_label(visit["declined"], exact=True).check()
    another.get_by_label(sv("declined"), exact=True).check()
    found.extend(accessibility_problems(page, "contact page"))
    another.get_by_role("button", name=sv("Save the offer")).click()
    expect(page.locator(".message.success")).to_contain_text(sv("The offer is saved."))
    offers = main.locator("ul.offers > li")
    expect(offers).to_have_count(2)
    expect(offers.filter(has_text=visit["declined"])).to_contain_text(sv("declined"))

    # Every offer is reached from the household's page, the declined one too.
    page.goto(household_url)
    listed = main.locator("ul.offers > li")
    expect(listed).to_have_count(2)
    expect(listed.filter(has_text=visit["accepted"])).to_contain_text(sv("accepted"))
    listed.filter(has_text=visit["declined"]).get_by_role("link").click()
    expect(page.locator("[data-answer]")).to_contain_text(sv("declined"))
    found.extend(accessibility_problems(page, "offer page"))

    # 5. A journal note on the household, from its page, then corrected: the original stays,
    # struck through.
    page.goto(household_url)
    main.get_by_role("link", name=sv("Journal"), exact=True).click()
    page.get_by_label(sv("New note")).fill(NOTE)
    page.get_by_role("button", name=sv("Save the note")).click()
    expect(page.get_by_text(sv("The note is saved and signed."))).to_be_visible()
    expect(page.locator(".note-text")).to_have_text(NOTE)
    page.get_by_role("link", name=sv("Correct"), exact=True).click()
    page.get_by_label(sv("Corrected text")).fill(CORRECTED)
    page.get_by_label(sv("Why is it corrected?")).fill(REASON)
    page.get_by_role("button", name=sv("Save the correction")).click()
    expect(
        page.get_by_text(sv("The correction is saved. The original stays visible."))
    ).to_be_visible()
    expect(page.locator(".superseded del")).to_have_text(NOTE)
    newest = page.locator(".note").last
    expect(newest.locator(".note-text")).to_have_text(CORRECTED)
    expect(newest).to_contain_text(REASON)
    expect(newest).to_contain_text(sv("Corrected by %(who)s", who="Anna"))
    found.extend(accessibility_problems(page, "journal"))
    assert NOTE not in page.url and CORRECTED not in page.url

    # The rows: one contact from the booked visit about the household, two offers in it with
    # their answers (no-identity services: the offers themselves carry no household), three
    # members, the note on the household and its correction linked.
    recorded = db_call(_recorded, SURNAME)
    assert recorded["members"] == [("Leila", "parent"), ("Omar", "child"), ("Sara", "child")]
    contacts = db_call(_contacts_of_appointment_day, visit["centre"], since)
    assert len(contacts) == 1
    (contact_pk, channel, slug, appointment, person, household) = contacts[0]
    assert (channel, slug, appointment) == ("booked", "unga", visit["appointment"])
    assert (person, household) == (None, recorded["household"])
    assert db_call(_offers_of_appointment, visit["appointment"]) == [
        ("samtal", "accepted", contact_pk, None),
        ("boende", "declined", contact_pk, None),
    ]
    (first, second) = recorded["notes"]
    assert first[:4] == (NOTE, None, "", "anna")
    assert second[:4] == (CORRECTED, first[4], REASON, "anna")
    assert not found, "\n\n".join(found)
