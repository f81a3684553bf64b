"""Spreadsheet exports (CSV and XLSX) safe from formula injection. No Django.

Every CSV or XLSX file Nära writes goes through `to_csv` or `to_xlsx`: a text cell that a
spreadsheet would read as a formula (it starts with = + - @, a tab or a carriage return) is
written with a leading apostrophe, so it shows as the text it is. Numbers stay numbers.
"""

import csv
import datetime as dt
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
PLAIN_TYPES = (bool, int, float, Decimal, dt.date, dt.datetime, dt.time)


def safe_cell(value):
    """A cell value no spreadsheet runs as a formula: text starting like one gets a `'`."""
    if value is None:
        return ""
    if isinstance(value, PLAIN_TYPES):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def safe_row(row):
    return [safe_cell(value) for value in row]


def to_csv(rows, *, bom=True):
    """UTF-8 CSV text with a byte-order mark, so Excel opens å, ä and ö correctly (`bom=False`
    for files read by programs, such as the HSDS tabular package)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(safe_row(row))
    return ("\ufeff" if bom else "") + buffer.getvalue()


def to_xlsx(sheets):
    """XLSX bytes from [(sheet title, rows)]; the first row of each sheet is a bold header."""
    book = Workbook()
    for position, (title, rows) in enumerate(sheets):
        sheet = book.active if position == 0 else book.create_sheet()
        sheet.title = title
        for row in rows:
            sheet.append([_xlsx_value(value) for value in safe_row(row)])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value):
    if isinstance(value, str):
        # openpyxl refuses control characters; and a string is never written as a formula.
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value
