"""Free text written by staff (a unit, a purpose, a household's name, a note) never holds an
identity number: such text is shown on pages, put in form fields and sometimes in the audit
trail, where a personnummer, samordningsnummer or reservnummer must not be."""

from django.utils.translation import gettext_lazy as _

from nara.lib.personnummer import contains_identity_number

IDENTITY_NUMBER_REFUSED = _(
    "Do not write a personal identity, coordination or reserve number here. Nothing was saved."
)


def identity_number_problem(text):
    """The message to show when `text` holds an identity number, else None."""
    return IDENTITY_NUMBER_REFUSED if contains_identity_number(text or "") else None
