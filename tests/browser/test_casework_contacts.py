"""Quick contact registration in Chromium: an anonymous drop-in contact with a support offer in
a handful of clicks, and the Halmstad evening — ten counts-only contacts in a row, no person
field anywhere, a crafted name refused."""

from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from .support import db_call, tr
from .test_staff_flows import (
    STAFF_LANG,
    accessibility_problems,
    axe_context,
    read_staff_facts,
    signed_in_state,
)

pytestmark = pytest.mark.browser

PERSON_FIELDS = ("alias_name", "generate_alias", "note", "person", "household", "first_name")


@dataclass
class ContactFacts:
    centre: int
    centre_name: str
    no_identity: str  # the name of a no-identity service, in Swedish
    counts_only: str  # the name of a counts-only service, in Swedish
    counts_only_pk: int


def _read_facts():
    from django.utils import translation

    from nara.core.models import Service

    centre = read_staff_facts().centre0
    with translation.override("sv"):
        return ContactFacts(
            centre=centre.pk,
            centre_name=centre.name,
            no_identity=str(Service.objects.get(slug="samtal").name),
            counts_only=str(Service.objects.get(slug="motesplats").name),
            counts_only_pk=Service.objects.get(slug="motesplats").pk,
        )


def _contacts(centre_pk):
    from nara.core.models import Contact

    return [
        (c.channel, c.topics, c.alias_id, c.person_id, c.note_encrypted, c.service.slug)
        for c in Contact.objects.filter(center_id=centre_pk).order_by("pk")
    ]


def _offers(centre_pk):
    from nara.core.models import SupportOffer

    return [
        (o.service.slug, o.answer, o.alias_id, o.person_id)
        for o in SupportOffer.objects.filter(center_id=centre_pk).order_by("pk")
    ]


@pytest.fixture(scope="module")
def facts(nara_site):
    return db_call(_read_facts)


@pytest.fixture(scope="module")
def anna_state(browser, nara_site):
    return signed_in_state(browser, nara_site, "anna")


class Counted:
    """Clicks and key presses made by the test, counted as a person would make them."""

    def __init__(self):
        self.actions = []

    def click(self, locator, what):
        locator.click()
        self.actions.append(what)


def test_anonymous_drop_in_contact_with_topic_and_offer_in_a_few_clicks(
    new_context, anna_state, facts
):
    context = axe_context(
        new_context,
        locale="sv-SE",
        storage_state=anna_state,
        viewport={"width": 360, "height": 740},
    )
    page = context.new_page()
    before_contacts = db_call(_contacts, facts.centre)
    before_offers = db_call(_offers, facts.centre)
    # From the calendar's drop-in link: the form opens here.
    page.goto(f"/staff/centres/{facts.centre}/calendar/")
    page.get_by_role(
        "link", name=tr(STAFF_LANG, "Record the drop-in: headcount and contacts")
    ).click()
    main = page.locator("main")
    count = Counted()
    count.click(main.get_by_role("link", name=facts.no_identity), "choose the service")
    expect(page.get_by_role("heading", level=1)).to_have_text(tr(STAFF_LANG, "Record a contact"))
    # The first topic has the focus; the channel is drop-in already, the date today.
    assert page.evaluate("document.activeElement.value") == "parenting"
    assert page.locator("#id_channel").input_value() == "drop_in"
    count.click(page.get_by_label(tr(STAFF_LANG, "Being a parent")), "tick a topic")
    offer = page.locator("fieldset.offer")
    count.click(offer.get_by_label(facts.no_identity, exact=True), "choose the offer")
    count.click(offer.get_by_label(tr(STAFF_LANG, "accepted"), exact=True), "accepted")
    count.click(main.get_by_role("button", name=tr(STAFF_LANG, "Save contact")), "save")
    expect(page.locator(".message.success")).to_contain_text(tr(STAFF_LANG, "Saved.").rstrip("."))
    print(
        f"\nAnonymous drop-in contact with one topic and one offer: {len(count.actions)} "
        f"clicks after the form opened ({', '.join(count.actions)})"
    )
    assert len(count.actions) <= 10

    contacts = db_call(_contacts, facts.centre)[len(before_contacts) :]
    offers = db_call(_offers, facts.centre)[len(before_offers) :]
    assert [(c[0], c[1], c[2], c[3], c[4]) for c in contacts] == [
        ("drop_in", ["parenting"], None, None, "")
    ]
    assert offers == [("samtal", "accepted", None, None)]
    # The page is empty again for the next visitor.
    assert not page.get_by_label(tr(STAFF_LANG, "Being a parent")).is_checked()
    found = accessibility_problems(page, "no-identity contact form")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # The offer page: the answer is there, and the help can start.
    page.get_by_role("link", name=tr(STAFF_LANG, "Support offers at this centre")).click()
    page.locator("main ul").get_by_role("link", name=facts.no_identity).last.click()
    expect(page.locator("[data-answer]")).to_have_attribute("data-answer", "accepted")
    found += accessibility_problems(page, "offer page")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name=tr(STAFF_LANG, "The help started")).click()
    expect(page.locator(".message.success")).to_have_text(tr(STAFF_LANG, "Saved."))
    expect(page.get_by_role("button", name=tr(STAFF_LANG, "The help ended"))).to_be_visible()
    assert not found, "\n\n".join(found)


def test_halmstad_ten_counts_only_contacts_in_a_row_on_a_phone(new_context, anna_state, facts):
    context = axe_context(
        new_context,
        locale="sv-SE",
        storage_state=anna_state,
        viewport={"width": 360, "height": 740},
    )
    page = context.new_page()
    found = []

    def check(label):
        for field in PERSON_FIELDS:
            assert page.locator(f"[name='{field}']").count() == 0, (label, field)
        for word in ("Alias", "Person", "Hushåll", "Anteckning"):
            assert page.get_by_label(word).count() == 0, (label, word)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, label

    before = len(db_call(_contacts, facts.centre))
    page.goto(f"/staff/centres/{facts.centre}/contacts/new/?channel=drop_in")
    page.locator("main").get_by_role("link", name=facts.counts_only).click()
    expect(page.locator("p.level")).to_have_text(
        tr(STAFF_LANG, "Counts only: nothing about who the visitor is is recorded.")
    )
    check("counts-only form")
    found.extend(accessibility_problems(page, "counts-only contact form"))
    topics = ["Loneliness", "Money and debts", "Housing", "Being a parent", "Loneliness"]
    for n in range(1, 11):
        page.get_by_label(tr(STAFF_LANG, topics[n % len(topics)])).check()
        page.get_by_label(tr(STAFF_LANG, "Age") + ":").select_option("26-64")
        if n % 2:
            page.locator("main").get_by_role("button", name=tr(STAFF_LANG, "Save contact")).click()
        else:  # keyboard-first: Enter in a field submits the form
            page.get_by_label(tr(STAFF_LANG, "Minutes (optional)") + ":").fill("5")
            page.keyboard.press("Enter")
        saved = tr(
            STAFF_LANG,
            "Saved. %(count)d contacts recorded on %(date)s.",
            count=before + n,
            date=page.locator("#id_occurred_on").input_value(),
        )
        expect(page.locator(".message.success")).to_have_text(saved)
        check(f"after contact {n}")
    found.extend(accessibility_problems(page, "counts-only form after saving"))

    # A crafted POST with a name: refused, says why, nothing saved.
    page.evaluate(
        """() => {
        const form = document.querySelector('form.contact-form');
        for (const [name, value] of [['alias_name', 'Kalle'], ['first_name', 'Kalle']]) {
            const input = document.createElement('input');
            input.type = 'hidden'; input.name = name; input.value = value;
            form.appendChild(input);
        }
        form.querySelector('button[type=submit]').click();
    }"""
    )
    refusal = tr(
        STAFF_LANG,
        "“%(service)s” is recorded as counts only: no person, household, alias or note may be "
        "saved with it. Nothing was saved.",
        service=facts.counts_only,
    )
    expect(page.get_by_role("alert")).to_contain_text(refusal)
    rows = db_call(_contacts, facts.centre)
    assert len(rows) == before + 10
    assert all(c[2] is None and c[3] is None and c[4] == "" for c in rows[before:])
    assert {c[5] for c in rows[before:]} == {"motesplats"}
    assert "Kalle" not in page.url
    assert not found, "\n\n".join(found)


def test_a_contact_is_recorded_without_javascript(new_context, anna_state, facts):
    context = new_context(locale="sv-SE", storage_state=anna_state, java_script_enabled=False)
    page = context.new_page()
    before = len(db_call(_contacts, facts.centre))
    page.goto(f"/staff/centres/{facts.centre}/contacts/new/?service={facts.counts_only_pk}")
    page.get_by_label(tr(STAFF_LANG, "Housing")).check()
    page.locator("main").get_by_role("button", name=tr(STAFF_LANG, "Save contact")).click()
    expect(page.locator(".message.success")).to_be_visible()
    rows = db_call(_contacts, facts.centre)
    assert len(rows) == before + 1 and rows[-1][1] == ["housing"]
