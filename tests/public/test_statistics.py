"""The open statistics pages: the published, suppressed figures of a known dataset, in every
language, with bad input answered clearly, unpublished centres hidden and the query count
pinned."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from nara.core.models import Center, VisitFeedbackTally
from nara.insights import open_statistics as stats
from nara.insights.models import ALL_TOPICS, BookingRollup, ContactRollup, OfferRollup
from tests.insights.slices import slices_from_cube

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _name in settings.LANGUAGES]
YEAR = timezone.localdate().year - 1
JAN, FEB = dt.date(YEAR, 1, 1), dt.date(YEAR, 2, 1)


def contacts(month, centre, area, n, language=""):
    ContactRollup.objects.create(
        month=month,
        center_id=centre.pk,
        area_id=area.pk if area else 0,
        topic=ALL_TOPICS,
        age_band="unknown",
        channel="drop_in",
        language=language,
        contacts=n,
    )


def offers(month, centre, area, accepted, declined):
    OfferRollup.objects.create(
        month=month,
        center_id=centre.pk,
        service_id=1,
        area_id=area.pk,
        topic=ALL_TOPICS,
        age_band="unknown",
        channel="drop_in",
        offered=accepted + declined,
        answered=accepted + declined,
        accepted=accepted,
        declined=declined,
    )


@pytest.fixture
def known(demo):
    """Centres A and B, areas X and Y (listed), January and February of last year."""
    a, b = Center.objects.filter(is_published=True).order_by("pk")[:2]
    x, y = stats.listed_areas(demo).order_by("pk")[:2]
    contacts(JAN, a, x, 30)
    contacts(JAN, a, y, 2)
    contacts(JAN, b, x, 10)
    contacts(JAN, b, y, 1)
    for centre in (a, b):
        contacts(FEB, centre, x, 20)
    offers(JAN, a, x, 12, 9)
    offers(JAN, b, x, 8, 1)
    BookingRollup.objects.create(
        month=JAN, center_id=a.pk, reminder_sent=True, booked=40, attended=30, no_show=6
    )
    for answer, n in (("yes", 7), ("partly", 2), ("no", 1)):
        for question in ("welcome", "listened", "again"):
            VisitFeedbackTally.objects.create(
                center=a, month=JAN, via="qr", question=question, answer=answer, count=n
            )
    slices_from_cube()
    return {"a": a, "b": b, "x": x, "y": y}


def table(data, unit):
    return {row["period"]: row for row in data["tables"][unit]}


def test_known_dataset_gives_the_hand_computed_cells(known, demo):
    data = stats.build(demo, YEAR)
    a, b = ("centre", known["a"].pk), ("centre", known["b"].pk)
    x, y, other = ("area", known["x"].pk), ("area", known["y"].pk), ("area", stats.OTHER)
    municipality = table(data, stats.MUNICIPALITY)
    assert len(data["months"]) == 12 and data["complete"]
    # January: A 32, B 11, the other centres 0 → the zeros are "fewer than 5", and B, the
    # smallest other centre with room, is hidden so that the zeros cannot be worked out.
    assert municipality[JAN]["contacts"].value == 43
    assert table(data, a)[JAN]["contacts"].value == 32
    assert table(data, b)[JAN]["contacts"].status == "hidden"
    # By area: X 40, Y 3, every other area 0 → Y "fewer than 5", X hidden beside it.
    assert table(data, y)[JAN]["contacts"].status == "few"
    assert table(data, x)[JAN]["contacts"].status == "hidden"
    assert table(data, other)[JAN]["contacts"].status == "few"
    # Offers: A 12 accepted + 9 declined, B 8 + 1. B's 1 declined is "fewer than 5"; its
    # partners in the groups are hidden (A's accepted and declined, B's answered), A's 21
    # answered stays, and no acceptance rate is shown beside a hidden count.
    assert table(data, a)[JAN]["answered"].value == 21
    assert table(data, a)[JAN]["accepted"].status == "hidden"
    assert table(data, b)[JAN]["declined"].status == "few"
    assert table(data, b)[JAN]["answered"].status == "hidden"
    assert table(data, b)[JAN]["acceptance"].value is None
    # Visits and feedback only at A: every other centre has 0 ("fewer than 5"), so A's
    # figures are hidden (the municipality's would otherwise be A's, and give the zeros away).
    assert table(data, a)[JAN]["visits"].status == "hidden"
    assert table(data, b)[JAN]["feedback"].status == "few"
    # February: A and B 20 each; the zeros of the other centres need a hidden partner.
    assert municipality[FEB]["contacts"].value == 40
    # The year: the months of March to December are 0 ("fewer than 5"), so no year total
    # of the municipality is shown (it would give those months away with the others).
    assert municipality[stats.YEAR]["contacts"].status == "hidden"
    # Never a rate beside a count that is not shown, nor people beside hidden contacts.
    for rows in data["tables"].values():
        for row in rows:
            if row["acceptance"].shown:
                assert row["accepted"].shown and row["answered"].shown
            if row["people"] is not None and row["people"].shown:
                assert row["contacts"].shown


def test_people_reached_are_distinct_and_suppressed_below_5(known, demo):
    data = stats.build(demo, YEAR)
    for rows in data["tables"].values():
        for row in rows:
            assert row["people"] is None or row["people"].status in ("few", "hidden")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_in_every_language(known, resident, lang):
    a, x = known["a"], known["x"]
    for path in (
        f"/{lang}/statistics/?year={YEAR}",
        f"/{lang}/statistics/centres/{a.slug}/?year={YEAR}",
        f"/{lang}/statistics/areas/{x.code}/?year={YEAR}",
    ):
        response = resident.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert f'lang="{lang}"' in html
        assert ('dir="rtl"' in html) == (lang in ("ar", "fa"))
        assert "<caption>" in html and 'scope="col"' in html and 'scope="row"' in html
        from django.utils import translation

        with translation.override(lang):
            assert translation.gettext("fewer than 5") in html
        if lang != "en":
            assert "fewer than 5" not in html, path
    html = resident.get(f"/sv/statistics/?year={YEAR}").content.decode()
    assert "<bdi>43</bdi>" in html and "färre än 5" in html
    assert f"/sv/statistics/centres/{a.slug}/?year={YEAR}" in html


def test_the_footer_links_to_the_statistics(demo, resident):
    assert "/sv/statistics/" in resident.get("/sv/").content.decode()


def test_unpublished_centres_and_unknown_areas_are_not_found(known, resident):
    hidden = known["b"]
    hidden.is_published = False
    hidden.save(update_fields=["is_published"])
    assert resident.get(f"/sv/statistics/centres/{hidden.slug}/").status_code == 404
    assert hidden.name not in resident.get(f"/sv/statistics/?year={YEAR}").content.decode()
    assert resident.get("/sv/statistics/areas/NOPE/").status_code == 404
    assert resident.get("/sv/statistics/centres/no-such-centre/").status_code == 404


@pytest.mark.parametrize(
    "year",
    [
        *("abc", "1800", "", "99999", "２０２５", "2025\x00", "-1", "0000", "1999", "2200"),
        *(f" {YEAR}", f"{YEAR} ", f"{YEAR}\n", f"\t{YEAR}", f"+{YEAR}", f"{YEAR}\xa0"),
    ],
)
def test_bad_years_get_a_clear_message(known, resident, year):
    response = resident.get("/sv/statistics/", {"year": year})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Det finns ingen statistik för det året" in html
    assert 'role="alert"' in html


def test_post_is_refused(known, resident):
    assert resident.post("/sv/statistics/").status_code == 405


def test_query_count_is_pinned(known, demo, resident, django_assert_max_num_queries):
    path = f"/sv/statistics/?year={YEAR}"
    resident.get(path)  # fills the figure cache and the page cache
    with django_assert_max_num_queries(2):
        assert resident.get(path).status_code == 200  # a page from the page cache
    from django.core.cache import caches

    caches["pages"].clear()
    with django_assert_max_num_queries(8):
        assert resident.get(path).status_code == 200  # figures from the cache


def test_a_new_contact_is_seen_once_the_cache_period_is_over(known, demo, settings):
    first = stats.published(demo, YEAR)
    contacts(JAN, known["a"], known["x"], 100, language="ar")
    slices_from_cube()
    assert stats.published(demo, YEAR) == first  # within the period: the kept figures
    settings.NARA_OPEN_STATISTICS_SECONDS = 0  # the period is over
    fresh = stats.published(demo, YEAR)
    assert fresh["tables"][stats.MUNICIPALITY][0]["contacts"].value == 143


def test_people_reached_count_each_person_once(known, demo):
    from nara.core.actions.contacts import do_register_contact
    from nara.core.actions.people import do_create_person
    from nara.core.models import Service
    from tests.workspace.conftest import user

    a = known["a"]
    home = a.catchment.first().area
    full = Service.objects.filter(documentation_level="full", centers=a).first()
    assert full is not None
    anna = user("anna")
    with time_machine.travel(dt.datetime(YEAR, 1, 20, 12, tzinfo=dt.UTC), tick=False):
        for i in range(6):
            person = do_create_person(actor="test", center=a, first_name=f"P{i}", last_name="T")
            for day in (3, 17):  # two contacts each in January: six people, twelve contacts
                do_register_contact(
                    actor=anna,
                    center=a,
                    service=full,
                    channel="drop_in",
                    occurred_on=JAN.replace(day=day),
                    area=home,
                    person=person,
                )
    data = stats.build(demo, YEAR)
    municipality = table(data, stats.MUNICIPALITY)
    assert municipality[JAN]["contacts"].value == 43 + 12
    assert municipality[JAN]["people"].value == 6
    assert municipality[FEB]["people"].status == "few"  # nobody in February
