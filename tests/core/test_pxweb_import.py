"""import_pxweb: SCB tables joined to areas (issue 15, items 1, 4 and 5)."""

import io
import json
from collections import defaultdict

import pytest
import shapely
from django.core.management import CommandError, call_command
from shapely.geometry import shape

from nara.core.models import Area, AreaIndicator, AuditEvent, Municipality
from nara.core.queries import area_at_point
from nara.planning import services
from tests.conftest import import_norrkoping, shared_file

pytestmark = pytest.mark.django_db

TABLE = "scb_regso_population/norrkoping.json"


def pxweb(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_pxweb", *map(str, args), "--municipality", "0581", stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def norrkoping_with_regsos(*extra):
    import_norrkoping()
    return pxweb(shared_file(TABLE), "--dissolve-from", "deso", *extra)


def scb_figures():
    """Per RegSO code: (total, {age group: count}) for both sexes, read straight from SCB."""
    data = json.loads(shared_file(TABLE).read_text(encoding="utf-8"))
    totals, groups = {}, defaultdict(dict)
    for row in data["data"]:
        region, age, sex, _year = row["key"]
        if sex != "1+2":
            continue
        code = region.split("_")[0]
        if age == "totalt":
            totals[code] = int(row["values"][0])
        else:
            groups[code][age] = int(row["values"][0])
    return totals, groups


def test_norrkoping_regso_table_joins_regsos_dissolved_from_the_desos():
    norrkoping_with_regsos()
    totals, groups = scb_figures()
    regsos = Area.objects.filter(municipality__code="0581", kind=Area.Kind.REGSO)
    assert regsos.count() == 40
    assert sum(a.population for a in regsos) == 144_980
    for code, total in totals.items():
        assert sum(groups[code].values()) == total  # SCB's age groups sum to the totals
        area = regsos.get(code=code)
        assert area.population == total
        ages = groups[code]
        # 0–17: the groups up to 14, and three of the five years of 15–19.
        expected = ages["-4"] + ages["5-9"] + ages["10-14"] + ages["15-19"] * 3 / 5
        assert area.population_0_17 == round(expected)
    # Each RegSO is the union of its DeSOs: every DeSO's inner point lies in its RegSO.
    for deso in Area.objects.filter(municipality__code="0581", kind=Area.Kind.DESO):
        regso = regsos.get(code=deso.parent_code)
        point = shapely.Point(deso.centroid_lon, deso.centroid_lat)
        assert shape(regso.geometry).covers(point), deso.code
    assert AuditEvent.objects.filter(action="areas.import_pxweb").count() == 1


def test_dry_run_shows_the_changes_and_saves_nothing():
    import_norrkoping()
    before = (Area.objects.count(), AuditEvent.objects.count())
    output = pxweb(shared_file(TABLE), "--dissolve-from", "deso", "--dry-run")
    assert "Dry run: nothing is saved." in output
    assert "0581R001: would be built from its finer areas" in output
    assert "0581R001 0581R001: population – → 2104" in output
    assert "40 areas would be changed, 40 would be built" in output
    assert (Area.objects.count(), AuditEvent.objects.count()) == before


def test_deso_and_regso_side_by_side_never_count_residents_twice():
    norrkoping_with_regsos()
    municipality = Municipality.objects.get(code="0581")
    assert Area.objects.filter(municipality=municipality).count() == 79 + 40
    areas = services.load_areas(municipality)
    assert len(areas) == 79
    assert areas.population.sum() == 144_862  # the DeSOs only; not 289,842
    need = services.compute_need(municipality)
    assert len(need.demand) == 79
    # Residents are placed in the finer area, not in the RegSO drawn over it.
    deso = Area.objects.get(code="0581C1320")
    assert area_at_point(deso.centroid_lon, deso.centroid_lat).code == "0581C1320"


def test_plan_command_counts_each_resident_once_with_regsos_imported():
    norrkoping_with_regsos()
    out = io.StringIO()
    call_command("plan", "--model", "pmedian", "--k", "4", "--municipality", "0581", stdout=out)
    rows = [line.split() for line in out.getvalue().splitlines() if line[:3].strip().isdigit()]
    residents = sum(int(row[-3].replace(",", "")) for row in rows)
    assert residents == 144_862


def test_names_from_a_name_file_reach_the_residents_search(client, tmp_path):
    # Planted name file (SCB publishes RegSO names in its RegSO list; not in ../shared).
    # Most of the police's "Navestad" polygon lies in RegSO 0581R015.
    names = tmp_path / "regso_names.csv"
    names.write_bytes("code;name\n0581R015;Navestad\n0581R001;Östra Eneby\n".encode("cp1252"))
    output = norrkoping_with_regsos("--names", names)
    assert Area.objects.get(code="0581R015").name == "Navestad"
    desos = Area.objects.filter(parent_code="0581R015").order_by("code")
    assert [a.name for a in desos] == [f"Navestad {i}" for i in range(1, len(desos) + 1)]
    assert "0581R015: name '0581R015' → 'Navestad'" in output
    page = client.get("/sv/find/", {"q": "navestad"})
    html = page.content.decode()
    assert page.status_code == 200
    for deso in desos:
        assert f"?area={deso.code}" in html
    assert "?area=0581R015" not in html  # the RegSO is split into the DeSOs residents choose
    assert "Östra Eneby" in client.get("/sv/areas/").content.decode()


def test_indicator_from_an_scb_csv_in_windows_1252_with_semicolons(tmp_path):
    norrkoping_with_regsos()
    table = tmp_path / "ekonomiskt_bistand.csv"
    table.write_bytes(
        (
            '"region";"2023";"2024"\n'
            '"0581R001_RegSO2025 Östra Eneby";"3,1";"2,9"\n'
            '"0581R002_RegSO2025 Ljura";"12,5";"11,0"\n'
            '"0581 Norrköping";"5,0";"4,8"\n'
        ).encode("cp1252")
    )
    output = pxweb(table, "--indicator", "income_support", "--source", "SCB ekonomiskt bistånd")
    value = AreaIndicator.objects.get(area__code="0581R002", name="income_support")
    assert (value.value, value.year, value.source) == (11.0, 2024, "SCB ekonomiskt bistånd")
    assert Area.objects.get(code="0581R001").name == "Östra Eneby"  # names from the labels
    assert "38 areas are not in the table" in output
    # Plans use the DeSOs: each takes its RegSO's value (its residents are not copied).
    desos = Area.objects.filter(parent_code="0581R002")
    assert desos.exists()
    for deso in desos:
        inherited = deso.indicators.get(name="income_support")
        assert (inherited.value, inherited.year) == (11.0, 2024)
        assert inherited.source == "SCB ekonomiskt bistånd (regso 0581R002)"
    assert f"{Area.objects.filter(parent_code__in=['0581R001', '0581R002']).count()} finer " in (
        output
    )


def test_a_missing_value_is_an_error_naming_the_area(tmp_path):
    norrkoping_with_regsos()
    table = tmp_path / "t.csv"
    table.write_text("region,2024\n0581R001_RegSO2025 Östra Eneby,..\n0581R002,4\n")
    with pytest.raises(CommandError, match=r"Area 0581R001 \(Östra Eneby\): the value is missing"):
        pxweb(table, "--indicator", "neet")
    assert not AreaIndicator.objects.filter(name="neet", area__kind="regso").exists()
    assert Area.objects.get(code="0581R001").name == "0581R001"


def test_a_null_population_in_pxweb_json_is_an_error_not_zero(tmp_path):
    import_norrkoping()
    data = json.loads(shared_file(TABLE).read_text(encoding="utf-8"))
    for row in data["data"]:
        if row["key"][:3] == ["0581R007_RegSO2025", "totalt", "1+2"]:
            row["values"] = [None]
    path = tmp_path / "t.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="Area 0581R007: the value is missing"):
        pxweb(path, "--dissolve-from", "deso")
    assert not Area.objects.filter(kind=Area.Kind.REGSO).exists()  # all or nothing


def test_json_stat_table_with_labels(tmp_path):
    import_norrkoping()
    pxweb(shared_file(TABLE), "--dissolve-from", "deso")
    dataset = {
        "class": "dataset",
        "version": "2.0",
        "source": "SCB",
        "id": ["Region", "Tid"],
        "size": [2, 1],
        "dimension": {
            "Region": {
                "category": {
                    "index": {"0581R003_RegSO2025": 0, "0581R004_RegSO2025": 1},
                    "label": {
                        "0581R003_RegSO2025": "0581R003_RegSO2025 Hageby",
                        "0581R004_RegSO2025": "Smedby",
                    },
                }
            },
            "Tid": {"category": {"index": {"2024": 0}}},
        },
        "value": [7.5, 1.25],
    }
    path = tmp_path / "neet.json"
    path.write_text(json.dumps(dataset))
    pxweb(path, "--indicator", "neet")
    assert Area.objects.get(code="0581R003").name == "Hageby"
    indicator = AreaIndicator.objects.get(area__code="0581R004", name="neet")
    assert (indicator.value, indicator.year, indicator.source) == (1.25, 2024, "SCB")


def test_age_groups_that_do_not_add_up_are_refused(tmp_path):
    import_norrkoping()
    table = tmp_path / "pop.csv"
    table.write_text(
        "region;ålder;kön;2024\n"
        "0581R001;totalt ålder;totalt;100\n0581R001;0-17 år;totalt;30\n0581R001;18+ år;totalt;60\n"
    )
    with pytest.raises(CommandError, match="age groups add up to 90, the total is 100"):
        pxweb(table, "--dissolve-from", "deso")


def test_regions_without_areas_point_to_dissolving(tmp_path):
    import_norrkoping()
    with pytest.raises(CommandError, match="no area of kind 'regso'.*--dissolve-from deso"):
        pxweb(shared_file(TABLE))


def test_population_from_an_scb_csv_with_labels_and_men_plus_women(tmp_path):
    """A planted CSV as SCB exports it: labels, men and women apart, no totals."""
    import_norrkoping()
    pxweb(shared_file(TABLE), "--dissolve-from", "deso")
    rows = ["region;ålder;kön;2023;2024"]
    for sex, counts in (("män", (10, 20, 30, 40, 50)), ("kvinnor", (11, 21, 31, 41, 51))):
        for age, count in zip(
            ("0-4 år", "5-9 år", "10-14 år", "15-19 år", "20+ år"), counts, strict=True
        ):
            rows.append(f"0581R010_RegSO2025 Exempelområdet;{age};{sex};1;{count}")
    table = tmp_path / "folkmangd.csv"
    table.write_bytes(("\n".join(rows) + "\n").encode("cp1252"))
    output = pxweb(table)
    area = Area.objects.get(code="0581R010")
    assert (area.name, area.population) == (
        "Exempelområdet",
        10 + 20 + 30 + 40 + 50 + 11 + 21 + 31 + 41 + 51,
    )
    assert area.population_0_17 == round(10 + 20 + 30 + 11 + 21 + 31 + (40 + 41) * 3 / 5)
    assert "39 areas are not in the table and keep their figures" in output


def test_the_summary_counts_in_words_one_area_one_region(tmp_path):
    norrkoping_with_regsos()
    table = tmp_path / "neet.csv"
    table.write_text('region,2024\n"0581R001_RegSO2025 Östra Eneby",4\n"0581 Norrköping",5\n')
    output = pxweb(table, "--indicator", "neet", "--dry-run")
    assert (
        "regso 2024: 1 area would be changed, 0 would be built, 2 would be renamed; 1 finer "
        "area would be given its parent's value; 1 region of another municipality or a total "
        "skipped." in output
    )  # the RegSO and its one DeSO are named
    output = pxweb(table, "--indicator", "neet")
    assert (
        "regso 2024: 1 area changed, 0 built, 2 renamed; 1 finer area given its parent's "
        "value; 1 region of another municipality or a total skipped." in output
    )
    assert "1 regions" not in output and "1 areas" not in output
