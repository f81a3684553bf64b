"""Need indicators in words: staff see a label, never the column name of an import."""

from django.utils.translation import gettext_lazy as _

INDICATOR_LABELS = {
    "income": _("Income (thousand SEK)"),  # mean or median: as the source says
    "income_support": _("Share with income support (%)"),
    "neet": _("Young people neither working nor studying (%)"),
    "child_poverty": _("Child poverty (%)"),
    "police_vulnerable": _("Vulnerable area according to the police"),
}


def indicator_label(name):
    """The label of a known indicator; an imported one keeps the name it was imported with."""
    return str(INDICATOR_LABELS.get(name, name))
