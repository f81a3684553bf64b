"""One reading of a year asked for in an address (?year=), for the public statistics pages,
the statistics API and the dashboards alike: exactly four ASCII digits, within the years Nära
keeps figures for. Nothing is stripped or converted: " 2025", "2025\\n", "+2025", "２０２５" and
"1800" are no year, and each caller answers them as it answers any other wrong year."""

import re

EARLIEST_YEAR, LATEST_YEAR = 2000, 2199
_FOUR_DIGITS = re.compile(r"[0-9]{4}")


def parse_year(raw):
    """The year `raw` names, as an int, or None when it is no year (not a string of exactly
    four ASCII digits, or outside EARLIEST_YEAR..LATEST_YEAR)."""
    if not isinstance(raw, str) or not _FOUR_DIGITS.fullmatch(raw):
        return None
    year = int(raw)
    return year if EARLIEST_YEAR <= year <= LATEST_YEAR else None
