"""A resident finds the centre that serves where they live."""

import pytest

from nara.core.models import Area, CatchmentMembership, Center, PageFeedback

pytestmark = pytest.mark.django_db


def served_area(layer="centres"):
    return CatchmentMembership.objects.filter(layer=layer).select_related("area", "center")[0]


def test_find_by_area_name(demo, resident):
    membership = served_area()
    page = resident.get("/sv/find/", {"q": membership.area.name})
    assert page.status_code == 200
    html = page.content.decode()
    assert membership.area.name in html
    assert f"/sv/centres/{membership.center.slug}/" in html


def test_find_by_partial_name_offers_a_choice(demo, resident):
    names = list(Area.objects.filter(municipality=demo).values_list("name", flat=True))
    suffix = max({n[-4:] for n in names}, key=lambda s: sum(n.endswith(s) for n in names))
    matches = [n for n in names if suffix in n]
    assert len(matches) > 1
    page = resident.get("/sv/find/", {"q": suffix})
    html = page.content.decode()
    assert all(name in html for name in matches)


def test_find_by_postcode_with_or_without_space(demo, resident):
    area = Area.objects.filter(postcodes__isnull=False).first()
    postcode = area.postcodes.first().postcode
    for typed in (postcode, f"{postcode[:3]} {postcode[3:]}"):
        page = resident.get("/sv/find/", {"postcode": typed})
        assert page.status_code == 200
        assert area.name in page.content.decode()


def test_find_by_location(demo, resident):
    membership = served_area()
    area = membership.area
    page = resident.post("/sv/find/location/", {"lat": area.centroid_lat, "lon": area.centroid_lon})
    assert page.status_code == 200
    assert area.name in page.content.decode()
    assert membership.center.name in page.content.decode()


def test_centres_first_then_base(demo, resident):
    membership = served_area()
    base = Center.objects.get(kind="base", catchment__area=membership.area)
    html = resident.get("/sv/find/", {"area": membership.area.code}).content.decode()
    assert html.index(membership.center.name) < html.index(base.name)


def test_area_without_centre_says_so_and_shows_the_nearest(demo, resident):
    area = Area.objects.filter(municipality=demo).exclude(catchments__layer="centres").first()
    CatchmentMembership.objects.filter(area=area).delete()
    html = resident.get("/sv/find/", {"area": area.code}).content.decode()
    assert "Det finns inget socialt center för ditt område" in html
    nearest = [c for c in Center.objects.all() if f"/sv/centres/{c.slug}/" in html]
    assert len(nearest) == 1


def test_unknown_postcode_gets_a_clear_message(demo, resident):
    page = resident.get("/sv/find/", {"postcode": "99999"})
    assert page.status_code == 404
    assert "99999" in page.content.decode()


@pytest.mark.parametrize("typed", ["12", "abcde", "123456", "12 3", "<script>"])
def test_malformed_postcode_gets_a_clear_message(demo, resident, typed):
    page = resident.get("/sv/find/", {"postcode": typed})
    assert page.status_code == 400
    assert "602 21" in page.content.decode()  # the example of a valid postcode
    assert "<script>" not in page.content.decode().split("<main")[1]


def test_point_outside_the_municipality_gets_a_clear_message(demo, resident):
    page = resident.post("/sv/find/location/", {"lat": 67.85, "lon": 20.22})  # Kiruna
    assert page.status_code == 404
    assert 'role="alert"' in page.content.decode()


@pytest.mark.parametrize(
    "data", [{}, {"lat": "x", "lon": "y"}, {"lat": "91", "lon": "10"}, {"lat": "nan", "lon": "1"}]
)
def test_unreadable_position_changes_nothing_and_explains(demo, resident, data):
    page = resident.post("/sv/find/location/", data)
    assert page.status_code == 404
    assert 'role="alert"' in page.content.decode()


def test_empty_search_asks_for_input(demo, resident):
    page = resident.get("/sv/find/", {"q": "", "postcode": ""})
    assert page.status_code == 400
    assert 'role="alert"' in page.content.decode()


def test_unknown_area_name_and_code(demo, resident):
    assert resident.get("/sv/find/", {"q": "Atlantis"}).status_code == 404
    assert resident.get("/sv/find/", {"area": "nope"}).status_code == 404


def test_a_location_result_can_be_switched_to_arabic_and_answered(demo, resident):
    area = served_area().area
    position = {"lat": area.centroid_lat, "lon": area.centroid_lon}
    html = resident.post("/sv/find/location/", position).content.decode()
    switch = f"/ar/find/%3Farea%3D{area.code}"
    assert switch in html and f"{area.centroid_lat:.4f}" not in html
    arabic = resident.get(f"/language/ar/?next=/ar/find/?area={area.code}", follow=True)
    assert arabic.status_code == 200 and area.name in arabic.content.decode()
    answer = resident.post(
        "/sv/feedback/", {"helpful": "yes", "path": f"/sv/find/?area={area.code}"}
    )
    assert answer.status_code == 302 and answer["Location"].startswith("/sv/find/?area=")
    assert PageFeedback.objects.get().path == "/sv/find/"


def test_each_area_gets_its_own_answer(demo, resident):
    memberships = CatchmentMembership.objects.filter(layer="centres").select_related("center")
    by_centre = {m.center.slug: m for m in memberships}
    assert len(by_centre) >= 2
    for membership in list(by_centre.values()) * 2:  # the second round is answered from memory
        area = membership.area
        html = resident.post(
            "/sv/find/location/", {"lat": area.centroid_lat, "lon": area.centroid_lon}
        ).content.decode()
        assert f"/sv/centres/{membership.center.slug}/" in html
        others = [slug for slug in by_centre if slug != membership.center.slug]
        assert not any(f"/sv/centres/{slug}/" in html for slug in others)


@pytest.mark.parametrize(
    ("typed", "found"),
    [("solgarden", "Solgården"), ("SOLGÅRDEN", "Solgården"), ("Malangen", "Malången")],
)
def test_find_by_name_without_diacritics_or_in_capitals(demo, resident, typed, found):
    square = {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]}
    for code, name in (("T1", "Solgården"), ("T2", "Malången"), ("T3", "Solhem")):
        Area.objects.create(
            municipality=demo,
            code=code,
            name=name,
            geometry=square,
            min_lon=0,
            min_lat=0,
            max_lon=1,
            max_lat=1,
            centroid_lon=0.5,
            centroid_lat=0.5,
        )
    page = resident.get("/sv/find/", {"q": typed})
    html = page.content.decode()
    assert page.status_code == 200, html
    assert found in html
    assert "Solhem" not in html
