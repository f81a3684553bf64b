"""Swedish phone numbers for reminders and call-backs. No Django."""

import re


def normalise_phone(text):
    """'070-123 45 67' / '+46701234567' / '0046 70…' → '+46701234567'; ValueError otherwise."""
    digits = re.sub(r"[\s\-()./]", "", text or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("0"):
        digits = "+46" + digits[1:]
    if not re.fullmatch(r"\+46[1-9]\d{6,9}", digits):
        raise ValueError("phone")
    return digits
