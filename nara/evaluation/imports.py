"""Reading a CSV of monthly outcome values: area code, month, measure, value.

The file is read with nara.lib.spreadsheets (UTF-8 with or without BOM, Windows-1252, comma,
semicolon or tab, decimal comma). Any problem refuses the whole file with a message naming
the line, so nothing is saved from a file that is partly wrong.
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from nara.core.models import Area
from nara.lib import spreadsheets

from .models import OutcomeMeasure

MAX_ROWS = 200_000
AREA = ("area code", "area", "områdeskod", "område", "omradeskod", "area_code")
MONTH = ("month", "månad", "manad")
MEASURE = ("measure", "mått", "matt")
VALUE = ("value", "värde", "varde")
OTHER_PREFIXES = ("other:", "annat:", "övrigt:")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")
_MONTH_COMPACT = re.compile(r"^(\d{4})(\d{2})$")
EARLIEST_YEAR = 1990
LATEST_YEAR = 2100


class OutcomeImportError(ValueError):
    """A file that cannot be imported, phrased for the person importing it."""


@dataclass(frozen=True)
class OutcomeRow:
    line: int
    area_id: int
    month: dt.date
    measure: str
    other_name: str
    value: float


def measure_aliases():
    """Every accepted spelling of a named measure (code, Swedish and English label) → code."""
    from django.utils import translation

    aliases = {}
    for choice in OutcomeMeasure:
        if choice == OutcomeMeasure.OTHER:
            continue
        aliases[_fold(choice.value)] = choice.value
        for language in ("sv", "en"):
            with translation.override(language):
                aliases[_fold(str(choice.label))] = choice.value
    return aliases


def _fold(text):
    text = unicodedata.normalize("NFC", text).strip().lower().replace("_", " ")
    return re.sub(r"\s+", " ", text)


def parse_month(text):
    """'2024-01', '2024-1', '2024-01-01' or '202401' → the first day of the month; None."""
    text = (text or "").strip()
    found = _MONTH.match(text) or _MONTH_COMPACT.match(text)
    if not found:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    day = int(found.group(3)) if found.re is _MONTH and found.group(3) else 1
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        return None
    try:
        dt.date(year, month, day)
    except ValueError:
        return None
    return dt.date(year, month, 1)


def parse_outcomes(content, municipality):
    """Bytes of a CSV file → OutcomeRows, or OutcomeImportError naming the first bad line."""
    try:
        table = spreadsheets.read_table(content)
    except spreadsheets.SpreadsheetError as exc:
        raise OutcomeImportError(str(exc)) from None
    columns = {
        "area": table.column(*AREA),
        "month": table.column(*MONTH),
        "measure": table.column(*MEASURE),
        "value": table.column(*VALUE),
    }
    if None in columns.values():
        raise OutcomeImportError(
            _(
                "The file needs the columns area code, month, measure and value (in Swedish "
                "områdeskod, månad, mått, värde). Found: %(found)s."
            )
            % {"found": ", ".join(table.columns) or "–"}
        )
    if not table.rows:
        raise OutcomeImportError(_("The file has a header but no values."))
    if len(table.rows) > MAX_ROWS:
        raise OutcomeImportError(
            _("The file has more than %(max)d rows; split it into several files.")
            % {"max": MAX_ROWS}
        )
    areas = dict(Area.objects.filter(municipality=municipality).values_list("code", "pk"))
    aliases = measure_aliases()
    seen, rows = {}, []
    for line, row in table.rows:
        parsed = _row(line, row, columns, areas, aliases)
        key = (parsed.area_id, parsed.month, parsed.measure, parsed.other_name.lower())
        if key in seen:
            raise OutcomeImportError(
                _("Line %(line)d repeats line %(first)d (same area, month and measure).")
                % {"line": line, "first": seen[key]}
            )
        seen[key] = line
        rows.append(parsed)
    return rows


def _row(line, row, columns, areas, aliases):
    code = row[columns["area"]]
    if code not in areas:
        raise OutcomeImportError(
            _("Line %(line)d: there is no area with the code '%(code)s'.")
            % {"line": line, "code": code[:40]}
        )
    month = parse_month(row[columns["month"]])
    if month is None:
        raise OutcomeImportError(
            _("Line %(line)d: '%(month)s' is not a month; write it as 2024-01.")
            % {"line": line, "month": row[columns["month"]][:40]}
        )
    measure, other_name = _measure(line, row[columns["measure"]], aliases)
    text = row[columns["value"]]
    try:
        value = spreadsheets.parse_number(text)
    except ValueError:
        raise OutcomeImportError(
            _("Line %(line)d: the value '%(value)s' is not a number.")
            % {"line": line, "value": text[:40]}
        ) from None
    if value is None:
        raise OutcomeImportError(
            _("Line %(line)d has no value. Leave out months without a value.") % {"line": line}
        )
    if abs(value) > 1e12:
        raise OutcomeImportError(
            _("Line %(line)d: the value '%(value)s' is too large.")
            % {"line": line, "value": text[:40]}
        )
    return OutcomeRow(line, areas[code], month, measure, other_name, value)


def _measure(line, text, aliases):
    folded = _fold(text)
    if folded in aliases:
        return aliases[folded], ""
    for prefix in OTHER_PREFIXES:
        if folded.startswith(prefix):
            name = text.strip()[len(prefix) :].strip()
            if name and len(name) <= 80 and name.isprintable():
                return OutcomeMeasure.OTHER.value, name
    raise OutcomeImportError(
        _(
            "Line %(line)d: the measure '%(measure)s' is unknown. Use one of %(known)s, or "
            "'annat: <name>' for another measure."
        )
        % {
            "line": line,
            "measure": text[:60],
            "known": ", ".join(c.value for c in OutcomeMeasure if c != OutcomeMeasure.OTHER),
        }
    )
