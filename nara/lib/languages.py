"""Names of the languages staff may speak, shown to residents in their own language."""

from django.utils.translation import gettext_lazy as _

SPOKEN_LANGUAGES = {
    "sv": _("Swedish"),
    "en": _("English"),
    "ar": _("Arabic"),
    "so": _("Somali"),
    "fa": _("Dari/Persian"),
    "ti": _("Tigrinya"),
    "ku": _("Kurdish"),
    "bs": _("Bosnian/Croatian/Serbian"),
    "pl": _("Polish"),
    "tr": _("Turkish"),
    "uk": _("Ukrainian"),
    "es": _("Spanish"),
    "fi": _("Finnish"),
    "am": _("Amharic"),
}


def language_names(codes):
    return [str(SPOKEN_LANGUAGES.get(code, code)) for code in codes]
