"""Reading CSV files as Swedish offices save them. Used by every CSV import.

Accepted: UTF-8 (with or without BOM) and Windows-1252 (Excel's "CSV" in Sweden), comma,
semicolon or tab between columns, and numbers with a decimal comma or point and spaces between
thousands ("1 234,5"). Title lines above the header followed by a blank line (SCB's "with
heading" CSV) are skipped. Anything else is refused with a message that names the problem.
"""

import csv
import io
import math
import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

DELIMITERS = (";", ",", "\t")
# How SCB and spreadsheets write "no value": empty, "..", ".", "-", "–", "NA".
MISSING_MARKERS = frozenset({"", "..", ".", "-", "–", "na", "n/a", "null", "none"})
_THOUSANDS = re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d{3}\b)")


class SpreadsheetError(ValueError):
    """A problem with a CSV file, phrased for the person importing it."""


@dataclass
class Table:
    columns: list  # header names, stripped, as written
    rows: list  # (line number in the file, {column: text})
    encoding: str
    delimiter: str

    def column(self, *names):
        """The first header among ``names`` (compared without case), or None."""
        wanted = {n.lower() for n in names}
        return next((c for c in self.columns if c.lower() in wanted), None)


def decode(content):
    """Bytes → (text, encoding): UTF-8 (BOM allowed), else Windows-1252, else refused."""
    if isinstance(content, str):
        return content.removeprefix("\ufeff"), "text"
    if content.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in content[:1000]:
        raise SpreadsheetError(
            str(_("The file is saved as UTF-16. Save it as CSV UTF-8 (or plain CSV) instead."))
        )
    try:
        return content.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as exc:
        raise SpreadsheetError(
            str(
                _(
                    "The file is neither UTF-8 nor Windows-1252 text (byte %(position)d). "
                    "Save it as CSV UTF-8."
                )
            )
            % {"position": exc.start + 1}
        ) from None


def read_table(content, *, required=(), header=True):
    """A CSV file (bytes or text) as a Table. ``required``: columns that must be present
    (compared without case); the message lists the columns found and the separator."""
    text, encoding = decode(content)
    if not text.strip():
        raise SpreadsheetError(str(_("The file is empty.")))
    lines = text.split("\n")  # as the csv reader below reads them
    start = header_line(lines, required) if header else _first_filled(lines, 0)
    delimiter = sniff_delimiter(lines[start])
    reader = csv.reader(io.StringIO("\n".join(lines[start:])), delimiter=delimiter)
    try:
        lines = [
            (start + reader.line_num, row) for row in reader if any(cell.strip() for cell in row)
        ]
    except csv.Error as exc:
        raise SpreadsheetError(
            str(_("Line %(line)d cannot be read: %(problem)s."))
            % {"line": start + reader.line_num, "problem": exc}
        ) from None
    if not lines:
        raise SpreadsheetError(str(_("The file is empty.")))
    if header:
        columns = [c.strip() for c in lines[0][1]]
        body = lines[1:]
    else:
        columns = [str(i) for i in range(max(len(r) for _n, r in lines))]
        body = lines
    _check_required(columns, required, delimiter)
    rows = []
    for line_no, cells in body:
        if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
            raise SpreadsheetError(
                str(
                    _(
                        "Line %(line)d has %(found)d columns but the header has %(expected)d. "
                        "Is there a decimal comma in a comma-separated file? Use semicolons "
                        "between columns or quote the numbers."
                    )
                )
                % {"line": line_no, "found": len(cells), "expected": len(columns)}
            )
        padded = [*cells, *[""] * (len(columns) - len(cells))][: len(columns)]
        rows.append((line_no, {c: v.strip() for c, v in zip(columns, padded, strict=True)}))
    return Table(columns, rows, encoding, delimiter)


# How far down a header may follow title lines (SCB writes one title line and a blank line).
TITLE_LINES = 5


def header_line(lines, required=()):
    """The index of the header among ``lines``: the first line with something in it, or the
    line after title lines and a blank line (SCB's "with heading" CSV: a title in one cell, a
    blank line, then the header). Title lines without a blank line after them are refused,
    naming the line the header seems to be on."""
    first = _first_filled(lines, 0)
    cells = _filled_cells(lines[first])
    if len(cells) != 1 or cells[0].lower() in {r.lower() for r in required}:
        return first
    index, blank_before = first + 1, False
    while index < min(len(lines), first + TITLE_LINES + 1):
        cells = _filled_cells(lines[index])
        if len(cells) >= 2:
            if _is_number(cells[0]):
                return first  # a data row (decimal commas?), not a header: left to the reader
            if blank_before:
                return index
            raise SpreadsheetError(
                str(
                    _(
                        "The header seems to be on line %(line)d: remove the title lines above "
                        "it (or leave a blank line between them and the header)."
                    )
                )
                % {"line": index + 1}
            )
        blank_before = not cells
        index += 1
    return first


def _first_filled(lines, start):
    return next((i for i in range(start, len(lines)) if _filled_cells(lines[i])), start)


def _filled_cells(line):
    """The non-empty cells of one line, read with the separator it uses most."""
    try:
        row = next(csv.reader([line], delimiter=sniff_delimiter(line)), [])
    except csv.Error:
        return [line]
    return [cell.strip() for cell in row if cell.strip()]


def _is_number(text):
    try:
        return parse_number(text) is not None
    except ValueError:
        return False


def sniff_delimiter(first_line):
    """The separator the header line uses most (outside quotes); comma when there is none."""
    outside = re.sub(r'"[^"]*"', "", first_line)
    counts = {d: outside.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _check_required(columns, required, delimiter):
    present = {c.lower() for c in columns}
    missing = [name for name in required if name.lower() not in present]
    if not missing:
        return
    found = ", ".join(columns) or "–"
    raise SpreadsheetError(
        str(
            _(
                "The file needs the columns %(required)s; missing: %(missing)s. Found: "
                "%(found)s (columns separated by %(separator)s)."
            )
        )
        % {
            "required": ", ".join(required),
            "missing": ", ".join(missing),
            "found": found,
            "separator": {";": _("semicolons"), ",": _("commas"), "\t": _("tabs")}[delimiter],
        }
    )


def is_missing(text):
    return text is None or str(text).strip().lower() in MISSING_MARKERS


def parse_number(text):
    """'1 234,5' / '1234.5' / '−3' → float; None for an empty or missing marker; ValueError
    for anything else (including infinities and NaN)."""
    if is_missing(text):
        return None
    cleaned = _THOUSANDS.sub("", str(text).strip()).replace("\u2212", "-")
    if "," in cleaned and "." in cleaned:
        raise ValueError(text)  # 1,234.5 or 1.234,5: ambiguous, refuse rather than guess
    number = float(cleaned.replace(",", "."))
    if not math.isfinite(number):
        raise ValueError(text)
    return number


def canonical_csv(content, *, required=(), numeric=()):
    """Any accepted CSV → comma-separated text with decimal points, for readers that take only
    that (the solver's travel-time reader). A missing number stays empty, for the reader to
    name; a number that cannot be read is refused here with its line."""
    table = read_table(content, required=required)
    numeric_columns = [c for c in table.columns if c.lower() in {n.lower() for n in numeric}]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.lower() if c.lower() in required else c for c in table.columns])
    for line_no, row in table.rows:
        for column in numeric_columns:
            try:
                number = parse_number(row[column])
            except ValueError:
                raise SpreadsheetError(
                    str(_("Line %(line)d: field '%(field)s' is not a number (%(value)s)."))
                    % {"line": line_no, "field": column, "value": row[column]}
                ) from None
            row[column] = "" if number is None else repr(number)
        writer.writerow([row[c] for c in table.columns])
    return out.getvalue()
