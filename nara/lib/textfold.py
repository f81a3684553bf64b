"""Folding text for comparison and search: case, diacritics and spacing do not count. No Django."""

import unicodedata


def fold(text):
    """'  Åsa  Öberg-Lind ' → 'asa oberg-lind'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


def fold_address(text):
    """An address folded so that 'Storgatan 1' and 'storgatan  1,' compare equal."""
    return fold((text or "").replace(",", " "))
