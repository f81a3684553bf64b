"""manage.py plan on the demo municipality and on the real Norrköping DeSO areas."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from nara.core.models import Area, AuditEvent
from nara.planning import services
from nara.planning.models import Scenario
from tests.conftest import import_norrkoping, shared_file


@pytest.fixture(autouse=True)
def in_english():
    """The command speaks the active language; these tests read its English messages."""
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def plan(*args):
    out = io.StringIO()
    call_command("plan", *args, stdout=out)
    return out.getvalue()


def test_pmedian_on_the_demo_prints_a_readable_summary(demo):
    text = plan("--model", "pmedian", "--k", "3", "--municipality", "9999", "--staff", "9")
    assert "Municipality: Exempelstad (9999)" in text
    assert "Status: optimal" in text
    assert "Staff posts: 9" in text
    assert text.count("area:") + text.count("centre:") == 3
    assert not Scenario.objects.exists()


def test_covering_with_weights_fixed_and_excluded_sites(demo):
    areas = list(Area.objects.filter(municipality=demo).order_by("code"))
    results = json.loads(
        plan(
            "--model",
            "mclp",
            "--k",
            "3",
            "--distance",
            "1500",
            "--weights",
            "child_poverty=1,income=0.5,police_vulnerable=2",
            "--fixed",
            areas[0].code,
            "--exclude",
            f"area:{areas[1].code}",
            "--json",
        )
    )
    assert results["status"] == "optimal"
    ids = [s["id"] for s in results["sites"]]
    assert f"area:{areas[0].code}" in ids and f"area:{areas[1].code}" not in ids


def test_four_contiguous_bases_saved_as_a_scenario(demo):
    population = sum(a.population for a in Area.objects.filter(municipality=demo))
    text = plan(
        "--model",
        "catchments",
        "--k",
        "4",
        "--capacity",
        str(round(population / 4 * 1.25)),
        "--capacity-on",
        "population",
        "--contiguous",
        "--staff",
        "12",
        "--min-posts",
        "2",
        "--cost-per-post",
        "650000",
        "--cost-per-site",
        "300000",
        "--save",
        "Four bases",
    )
    assert "Saved as scenario" in text and "contiguous" in text
    scenario = Scenario.objects.get(name="Four bases")
    assert [s["posts"] >= 2 for s in scenario.results["sites"]] == [True] * 4
    assert scenario.metrics["total_cost"] == pytest.approx(12 * 650000 + 4 * 300000)
    event = AuditEvent.objects.get(action="scenario.create", object_id=str(scenario.pk))
    assert event.actor_label == "plan"


def test_capacity_on_staff(demo):
    text = plan(
        "--model", "catchments", "--k", "4", "--capacity", "4", "--capacity-on", "staff",
        "--staff", "12",
    )  # fmt: skip
    assert "Status:" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "pmedian", "--k", "500"], "Cannot open 500 sites"),
        (["--model", "catchments", "--k", "4", "--capacity", "100"], "hold at most 400"),
        (["--model", "catchments", "--k", "4"], "need a capacity per base above 0"),
        (["--model", "pmedian", "--k", "3", "--weights", "wealth=1"], "no indicator called"),
        (["--model", "pmedian", "--k", "3", "--weights", "income=much"], "must be a number"),
        (["--model", "pmedian", "--k", "3", "--weights", "income=0"], "weight above 0"),
        (["--model", "pmedian", "--k", "3", "--fixed", "nowhere"], "'nowhere' is not one"),
        (["--model", "pmedian", "--k", "2", "--staff", "1", "--min-posts", "1"], "Staff posts"),
        (["--model", "pmedian", "--k", "2", "--municipality", "0000"], "no municipality"),
    ],
)
def test_bad_input_exits_with_a_clear_message(demo, args, message):
    with pytest.raises(CommandError, match=message):
        plan(*args, "--save", "never")
    assert not Scenario.objects.exists()


def test_missing_travel_time_pairs(demo, tmp_path):
    code = Area.objects.filter(municipality=demo).first().code
    path = tmp_path / "minutes.csv"
    path.write_text(f"origin,destination,value\n{code},area:{code},0\n")
    with pytest.raises(CommandError, match="lacks"):
        plan("--model", "pmedian", "--k", "2", "--travel-matrix", str(path))


def test_command_exits_non_zero_from_the_shell(demo, monkeypatch, capsys):
    from django.core.management import ManagementUtility

    # run_from_argv closes the connections afterwards; keep the test database open.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "plan", "--model", "pmedian", "--k", "0"]).execute()
    assert exit_info.value.code != 0
    assert "The number of sites must be at least 1" in capsys.readouterr().err


def test_norrkoping_pmedian_with_police_vulnerable_areas(demo):
    import_norrkoping(stdout=io.StringIO())
    police = shared_file("police_vulnerable_areas_2025.geojson")
    areas = services.load_areas(Area.objects.get(code="0581C1320").municipality)
    shares = dict(
        zip(
            areas.codes,
            services.overlap_shares(areas, json.loads(police.read_text(encoding="utf-8"))),
            strict=True,
        )
    )
    # Navestad and Hageby (2.4 km² together) cover five small DeSOs almost entirely.
    inside = {code for code, share in shares.items() if share > 0.9}
    assert inside == {"0581C1100", "0581C1120", "0581C1130", "0581C1160", "0581C1170"}
    assert all(0 <= share <= 1 for share in shares.values())

    text = plan(
        "--municipality",
        "0581",
        "--model",
        "pmedian",
        "--k",
        "3",
        "--overlap",
        f"police_vulnerable={police}",
        "--weights",
        "income=1,neet=1,income_support=1,police_vulnerable=1",
        "--staff",
        "9",
    )
    assert "Municipality: Norrköping (0581)" in text
    assert "Status: optimal" in text
    assert "police_vulnerable=1" in text
    results = json.loads(plan("--municipality", "0581", "--model", "pmedian", "--k", "3", "--json"))
    assert results["status"] == "optimal"
    assert len(results["assignment"]) == 79


def test_the_solver_prints_no_banner_of_its_own():
    """`manage.py plan` output is the plan: HiGHS's banner (written from C++) is kept out."""
    code = "import highspy, nara.planning.solver.highs; highspy.Highs()"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert "Running HiGHS" not in result.stdout + result.stderr


def test_travel_matrix_saved_by_swedish_excel(demo, tmp_path):
    """Windows-1252, semicolons and decimal commas: Excel's CSV in Sweden."""
    codes = list(Area.objects.filter(municipality=demo).values_list("code", flat=True))
    lines = ["origin;destination;value;anmärkning"]
    for i, origin in enumerate(codes):
        for j, destination in enumerate(codes):
            lines.append(f"{origin};area:{destination};{abs(i - j) * 2},5;Västra")
    path = tmp_path / "minuter.csv"
    path.write_bytes("\n".join(lines).encode("cp1252"))
    text = plan(
        "--model", "pmedian", "--k", "2", "--no-centres", "--no-sites", "--travel-matrix", str(path)
    )
    assert "Status: optimal" in text


def test_travel_matrix_in_utf16_is_refused_with_a_message(demo, tmp_path):
    path = tmp_path / "minuter.csv"
    path.write_bytes("origin,destination,value\n".encode("utf-16"))
    with pytest.raises(CommandError, match="UTF-16"):
        plan("--model", "pmedian", "--k", "2", "--travel-matrix", str(path))
