"""Text folding for search: what a person types without å/ä/ö or in capitals still matches."""

import unicodedata


def fold(text):
    """Lower-case, without diacritics and extra spaces: "  SOLGÅRDEN " → "solgarden"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.split())
