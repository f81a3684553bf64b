"""Public texts without a translation are marked as Swedish; managers see and fill the gaps."""

import datetime as dt
import re

import pytest

from nara.core.models import Schedule

pytestmark = pytest.mark.django_db

SWEDISH_ONLY = {"sv": "Ta buss 5 till Torget."}


@pytest.fixture
def centre(first_centre):
    first_centre.directions = SWEDISH_ONLY
    first_centre.accessibility = {"sv": "Ramp vid entrén.", "ar": "منحدر عند المدخل.", "so": ""}
    first_centre.save()
    service = first_centre.services.first()
    service.name = {"sv": "Föräldrastöd"}
    service.save()
    person = first_centre.staff.first()
    person.role_title = {"sv": "Socialsekreterare", "so": "Shaqaale bulsho"}
    person.save()
    today = dt.date.today()
    Schedule.objects.create(
        center=first_centre,
        kind="dropin",
        title={"sv": "Läxhjälp"},
        byday="MO,TU,WE,TH,FR,SA,SU",
        opens_at=dt.time(15),
        closes_at=dt.time(17),
        valid_from=today - dt.timedelta(days=1),
    )
    return first_centre


def test_arabic_page_marks_every_swedish_fallback(resident, centre):
    html = resident.get(f"/ar/centres/{centre.slug}/").content.decode()
    for swedish in ("Ta buss 5 till Torget.", "Föräldrastöd", "Socialsekreterare", "Läxhjälp"):
        assert f'<bdi lang="sv" dir="ltr">{swedish}</bdi>' in html, swedish
    assert "منحدر عند المدخل." in html
    assert not re.search(r'lang="[a-z]+"[^>]*>منحدر', html)


def test_somali_page_marks_fallback_but_not_its_own_text(resident, centre):
    html = resident.get(f"/so/centres/{centre.slug}/").content.decode()
    assert '<span lang="sv">Ramp vid entrén.</span>' in html
    assert "Shaqaale bulsho" in html and 'lang="sv">Socialsekreterare' not in html


def test_swedish_page_has_no_extra_marking(resident, centre):
    html = resident.get(f"/sv/centres/{centre.slug}/").content.decode()
    assert "Ta buss 5 till Torget." in html
    assert 'lang="sv">Ta buss' not in html


def test_manager_sees_texts_missing_a_translation_with_links(as_manager, centre, centres):
    html = as_manager.get("/staff/translations/").content.decode()
    assert "Texter som saknar översättning" in html
    section = html.split(f"<h2>{centre.name}</h2>")[1].split("</section>")[0]
    directions = re.search(r"<tr><td[^>]*>[^<]*</td><td[^>]*>Hitta hit</td>.*?</tr>", section)
    assert directions, section
    row = directions.group(0)
    assert "arabiska" in row and "somaliska" in row and "engelska" in row
    assert f'href="/staff/centres/{centre.pk}/edit/"' in row
    assert re.search(r"<td[^>]*>Måndagar, [^<]* 15:00–17:00</td><td[^>]*>Rubrik</td>", section)
    assert centres[1].name not in html


def test_translated_text_leaves_the_list(as_manager, centre):
    centre.directions = {code: "x" for code in ("sv", "en", "ar", "so", "fa", "ti")}
    centre.save()
    html = as_manager.get("/staff/translations/").content.decode()
    assert "Texter som saknar översättning" in html and "Tillgänglighet" in html
    assert "Hitta hit" not in html
