"""Distance matrices between areas (demand) and candidate sites.

Straight-line distances come from projected coordinates in metres (EPSG:3006, SWEREF 99 TM);
the caller projects. Travel times come from a CSV file with the columns
``origin,destination,value`` (area code, site id, value in minutes or metres), one row per pair.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
from scipy.spatial.distance import cdist

from .errors import TravelTimeMatrixError

REQUIRED_COLUMNS = ("origin", "destination", "value")
NAMED_IN_MESSAGE = 5


def straight_line_matrix(area_xy, site_xy) -> np.ndarray:
    """Euclidean distances (metres) from each area point to each site, shape (areas, sites)."""
    areas = np.asarray(area_xy, dtype=np.float64).reshape(-1, 2)
    sites = np.asarray(site_xy, dtype=np.float64).reshape(-1, 2)
    return cdist(areas, sites)


def load_travel_matrix(source, area_codes, site_ids) -> np.ndarray:
    """Read a complete origin × destination matrix from a CSV path or an open text file.

    Every (area, site) pair must appear with a finite value >= 0; otherwise a
    TravelTimeMatrixError names the first few offending pairs. Rows for unknown areas or sites
    are ignored, so one file can serve several scenarios; if a pair repeats, the last row wins.
    """
    area_index = {str(code): row for row, code in enumerate(area_codes)}
    site_index = {str(code): col for col, code in enumerate(site_ids)}
    matrix = np.full((len(area_index), len(site_index)), np.nan)
    bad_values = []
    with _open_text(source) as handle:
        reader = csv.DictReader(handle)
        _check_header(reader.fieldnames)
        for line, row in enumerate(reader, start=2):
            origin, destination = row["origin"].strip(), row["destination"].strip()
            if origin not in area_index or destination not in site_index:
                continue
            value = _parse_value(row["value"])
            if value is None:
                bad_values.append((origin, destination, row["value"], line))
                continue
            matrix[area_index[origin], site_index[destination]] = value
    _raise_for_bad_values(bad_values)
    _raise_for_missing_pairs(matrix, list(area_index), list(site_index))
    return matrix


def _open_text(source):
    if isinstance(source, (str, Path)):
        return Path(source).open(newline="", encoding="utf-8-sig")
    return _NotClosing(source)


class _NotClosing:
    """Lets the caller keep ownership of a file object passed in."""

    def __init__(self, handle):
        self.handle = handle

    def __enter__(self):
        return self.handle

    def __exit__(self, *exc):
        return False


def _check_header(fieldnames) -> None:
    missing = [name for name in REQUIRED_COLUMNS if name not in (fieldnames or [])]
    if missing:
        raise TravelTimeMatrixError(
            "The travel-time file must have the columns origin, destination and value; "
            f"missing: {', '.join(missing)}."
        )


def _parse_value(text):
    try:
        value = float(str(text).strip().replace(",", "."))
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return value


def _raise_for_bad_values(bad_values) -> None:
    if not bad_values:
        return
    shown = "; ".join(
        f"line {line}: {origin} → {destination} has '{text}'"
        for origin, destination, text, line in bad_values[:NAMED_IN_MESSAGE]
    )
    more = _and_more(len(bad_values))
    raise TravelTimeMatrixError(
        f"{len(bad_values)} travel-time values are not non-negative numbers ({shown}{more}).",
        bad_values=[(o, d, t) for o, d, t, _ in bad_values],
    )


def _raise_for_missing_pairs(matrix, area_codes, site_ids) -> None:
    rows, cols = np.nonzero(np.isnan(matrix))
    if rows.size == 0:
        return
    pairs = [(area_codes[r], site_ids[c]) for r, c in zip(rows, cols, strict=True)]
    shown = ", ".join(f"{origin} → {destination}" for origin, destination in pairs[:5])
    raise TravelTimeMatrixError(
        f"The travel-time file lacks {len(pairs)} of the {matrix.size} area–site pairs "
        f"(for example {shown}{_and_more(len(pairs))}). Every area needs a value to every site.",
        missing_pairs=pairs,
    )


def _and_more(count: int) -> str:
    return f" and {count - NAMED_IN_MESSAGE} more" if count > NAMED_IN_MESSAGE else ""
