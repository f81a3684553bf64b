"""Swedish personal identity numbers (personnummer, samordningsnummer). No Django.

Accepts 10 or 12 digits with an optional separator (- or +) and returns the canonical 12-digit
form. A "+" in the 10-digit form marks someone aged 100 or more. Only the ASCII digits 0-9 count:
other scripts' digits (Arabic-Indic, full-width, ...) would give a second, different canonical
form for the same person, so they are refused.
"""

import datetime as dt
import re
import unicodedata

PATTERN = re.compile(r"^(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{3})(\d)$", re.ASCII)
# Dashes people type or paste instead of "-" (hyphen, non-breaking hyphen, en dash, minus sign).
DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212"), "-")


class InvalidPersonnummer(ValueError):
    pass


def luhn_ok(nine_plus_check):
    total = 0
    for index, char in enumerate(nine_plus_check):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def normalise(text, today=None):
    """Canonical 'YYYYMMDDNNNC' or InvalidPersonnummer with a reason safe to show."""
    compact = "".join(unicodedata.normalize("NFC", text or "").translate(DASHES).split())
    if not compact.isascii() and any(char.isdigit() for char in compact):
        raise InvalidPersonnummer("digits")
    match = PATTERN.match(compact)
    if not match:
        raise InvalidPersonnummer("format")
    century, yy, mm, dd, sep, serial, check = match.groups()
    if not luhn_ok(f"{yy}{mm}{dd}{serial}{check}"):
        raise InvalidPersonnummer("checksum")
    day = int(dd) - 60 if int(dd) > 60 else int(dd)  # samordningsnummer add 60 to the day
    year = int(century + yy) if century else _year_from_short(int(yy), sep, today)
    try:
        dt.date(year, int(mm), day)
    except ValueError:
        raise InvalidPersonnummer("date") from None
    return f"{year:04d}{mm}{dd}{serial}{check}"


def _year_from_short(yy, separator, today):
    today = today or dt.date.today()
    year = today.year - (today.year - yy) % 100
    return year - 100 if separator == "+" else year


def is_coordination_number(canonical):
    return int(canonical[6:8]) > 60


def masked(canonical):
    """'19121212-****': enough for a person to recognise, not enough to identify."""
    return f"{canonical[:8]}-****"


def birth_date(canonical):
    """The date of birth in a canonical number (a samordningsnummer's day less 60)."""
    day = int(canonical[6:8])
    return dt.date(int(canonical[:4]), int(canonical[4:6]), day - 60 if day > 60 else day)


RESERVE_PATTERN = re.compile(r"^(\d{8})-?(\d{4})$", re.ASCII)


def normalise_reserve(text):
    """Canonical 12-digit reservnummer, or InvalidPersonnummer with a reason safe to show.

    A reserve number (reservnummer) is what a formal register gives someone without a
    personnummer or samordningsnummer: 12 digits, the same check digit as a personnummer over
    the last ten, and first eight digits that are not a date (so it never passes as one).
    """
    compact = "".join(unicodedata.normalize("NFC", text or "").translate(DASHES).split())
    if not compact.isascii() and any(char.isdigit() for char in compact):
        raise InvalidPersonnummer("digits")
    match = RESERVE_PATTERN.match(compact)
    if not match:
        raise InvalidPersonnummer("reserve_format")
    digits = match.group(1) + match.group(2)
    if not luhn_ok(digits[2:]):
        raise InvalidPersonnummer("checksum")
    if _is_date(digits[:8]):
        raise InvalidPersonnummer("reserve_is_date")
    return digits


def _is_date(yyyymmdd):
    year, month, day = int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8])
    day = day - 60 if day > 60 else day
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def classify(text):
    """('personnummer' | 'samordningsnummer' | 'reservnummer', canonical) for any number typed.

    A number that is neither a personnummer nor a reserve number raises InvalidPersonnummer
    with the personnummer reason (what most people meant to write).
    """
    try:
        canonical = normalise(text)
    except InvalidPersonnummer as as_personnummer:
        try:
            return "reservnummer", normalise_reserve(text)
        except InvalidPersonnummer:
            raise as_personnummer from None
    kind = "samordningsnummer" if is_coordination_number(canonical) else "personnummer"
    return kind, canonical


_NUMBER_LIKE = re.compile(r"(?<!\d)(?:\d{8}|\d{6})[-+]?\d{4}(?!\d)")


def contains_identity_number(text):
    """True when free text holds a valid personnummer, samordningsnummer or reserve number
    (typed by mistake into a field that is shown, linked or logged)."""
    for candidate in _NUMBER_LIKE.findall(text or ""):
        try:
            classify(candidate)
        except InvalidPersonnummer:
            continue
        return True
    return False


# Anything shaped like an identity number, in any script's digits, with spaces or dashes
# between the groups: free text that others will read keeps none of them (valid or not).
_NUMBER_SHAPED = re.compile(
    r"(?<!\d)(?:\d{2}[ ]?)?\d{6}[ ]?[-+\u2010-\u2014\u2212]?[ ]?\d{4}(?!\d)"
)
REMOVED_NUMBER = "[…]"


def strip_identity_numbers(text):
    """(text without anything shaped like a personnummer, how many were removed)."""
    return _NUMBER_SHAPED.subn(REMOVED_NUMBER, text or "")
