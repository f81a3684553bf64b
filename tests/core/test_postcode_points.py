"""Postcodes from points (issue 15, item 2): placed in areas, spanning areas, never moved
silently, and residents asked to choose when their postcode spans areas."""

import io

import pytest
from django.core.management import CommandError, call_command

from nara.core.models import Area, Municipality, PostcodeArea
from tests.conftest import import_norrkoping

pytestmark = pytest.mark.django_db


def postcodes(path, *extra, municipality="0581"):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_postcodes",
        str(path),
        "--municipality",
        municipality,
        *extra,
        stdout=out,
        stderr=err,
    )
    return out.getvalue() + err.getvalue()


def point(code):
    area = Area.objects.get(code=code)
    return area.centroid_lon, area.centroid_lat


@pytest.fixture
def norrkoping():
    import_norrkoping()
    return Municipality.objects.get(code="0581")


def address_points(tmp_path):
    """Address points, several per postcode; 602 20 is planted across two DeSOs (3 + 1)."""
    a, b, c = point("0581C1320"), point("0581C1310"), point("0581C1410")
    rows = [("602 20", a), ("602 20", a), ("60220", a), ("602 20", b), ("602 21", c)]
    rows += [("602 21", c), ("602 99", (11.97, 57.70))]  # 602 99: a point in Gothenburg
    text = "postnummer;lon;lat\n".replace("postnummer", "postcode")
    text += "".join(
        f"{code};{str(lon).replace('.', ',')};{str(lat).replace('.', ',')}\n"
        for code, (lon, lat) in rows
    )
    path = tmp_path / "adresser.csv"
    path.write_bytes(text.encode("utf-8-sig"))
    return path


def test_address_points_place_postcodes_in_areas_with_shares(norrkoping, tmp_path):
    output = postcodes(address_points(tmp_path))
    shares = dict(PostcodeArea.objects.filter(postcode="60220").values_list("area__code", "share"))
    assert shares == {"0581C1320": 0.75, "0581C1310": 0.25}
    assert list(PostcodeArea.objects.filter(postcode="60221").values_list("area__code")) == [
        ("0581C1410",)
    ]
    assert not PostcodeArea.objects.filter(postcode="60299").exists()
    assert "2 postcodes imported from 7 points (1 outside the areas); 1 span several areas" in (
        output
    )
    assert "1 postcodes have no point inside the areas" in output


def test_a_resident_with_a_spanning_postcode_chooses_their_area(norrkoping, tmp_path, client):
    postcodes(address_points(tmp_path))
    page = client.get("/sv/find/", {"postcode": "602 20"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Postnumret <bdi>602 20</bdi> täcker delar av flera områden." in html
    assert "?area=0581C1320" in html and "?area=0581C1310" in html
    assert 'action="/sv/find/location/"' in html  # or use their location
    english = client.get("/en/find/", {"postcode": "60220"}).content.decode()
    assert "covers parts of several areas" in english
    single = client.get("/sv/find/", {"postcode": "60221"})
    assert "täcker delar av flera områden" not in single.content.decode()
    assert Area.objects.get(code="0581C1410").name in single.content.decode()


def test_geonames_file_warns_when_many_postcodes_share_one_point(norrkoping, tmp_path):
    lon, lat = point("0581C1320")
    lines = [
        f"SE\t60{i:03d}\tNorrköping\tÖstergötland\t05\tNorrköping\t0581\t\t\t{lat}\t{lon}\t4"
        for i in range(200, 210)
    ]
    path = tmp_path / "SE.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = postcodes(path)
    assert "10 of 10 postcodes share one point" in output
    assert PostcodeArea.objects.filter(area__code="0581C1320").count() == 10


def test_a_postcode_of_another_municipality_is_not_moved_silently(norrkoping, tmp_path):
    other = Municipality.objects.create(code="0580", name="Linköping")
    area = Area.objects.get(code="0581C1310")
    area.pk, area.municipality, area.code = None, other, "0580C0001"
    area.save()
    PostcodeArea.objects.create(postcode="60221", area=area)
    with pytest.raises(
        CommandError,
        match=r"1 postcodes already belong to another municipality: "
        r"60221 \(Linköping\). Nothing was moved",
    ):
        postcodes(address_points(tmp_path))
    assert list(PostcodeArea.objects.values_list("postcode", "area__code")) == [
        ("60221", "0580C0001")
    ]
    postcodes(address_points(tmp_path), "--move")
    assert PostcodeArea.objects.get(postcode="60221").area.code == "0581C1410"


def test_area_code_files_may_list_a_postcode_in_several_areas(norrkoping, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text('postcode,area_code,share\n60220,0581C1320,"0,6"\n60220,0581C1310,"0,4"\n')
    postcodes(path)
    shares = dict(PostcodeArea.objects.filter(postcode="60220").values_list("area__code", "share"))
    assert shares == {"0581C1320": pytest.approx(0.6), "0581C1310": pytest.approx(0.4)}


def test_dry_run_saves_nothing(norrkoping, tmp_path):
    output = postcodes(address_points(tmp_path), "--dry-run")
    assert "Dry run, nothing saved: 2 postcodes would be imported" in output
    assert not PostcodeArea.objects.exists()
