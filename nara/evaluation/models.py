"""The before/after evaluation: imported monthly outcome series and saved evaluations.

Outcome values are aggregate figures per area and month (reports of concern per 1,000
children, placements, …) from the formal case system or official statistics: never a person.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nara.core.models import Area, Center, Municipality


class OutcomeMeasure(models.TextChoices):
    REPORTS_OF_CONCERN = "reports_of_concern", _("reports of concern per 1,000 children")
    INVESTIGATIONS = "investigations", _("investigations opened")
    INCOME_SUPPORT = "income_support", _("households with income support")
    PLACEMENTS = "placements", _("out-of-home placements of children")
    PLACEMENTS_HOME = "placements_home", _("placements at home")
    PLACEMENTS_EXTERNAL = "placements_external", _("external placements")
    OTHER = "other", _("other measure")


class ImportBatch(models.Model):
    """One imported file: who, when, which file, how many rows."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="outcome_imports"
    )
    file_name = models.CharField(_("file"), max_length=200)
    rows = models.PositiveIntegerField(_("rows"))
    replaced = models.PositiveIntegerField(_("values replaced"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("imported"), auto_now_add=True)

    class Meta:
        verbose_name = _("outcome import")
        ordering = ["-created_at", "-pk"]


class OutcomeValue(models.Model):
    """The value of one measure in one area and month; a later import replaces it."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="outcome_values")
    month = models.DateField(_("month"))  # the first day of the month
    measure = models.CharField(_("measure"), max_length=24, choices=OutcomeMeasure.choices)
    # The name of an "other" measure; empty for the named measures.
    other_name = models.CharField(_("name of the measure"), max_length=80, blank=True)
    value = models.FloatField(_("value"))
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="values")

    class Meta:
        verbose_name = _("outcome value")
        ordering = ["measure", "other_name", "area", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "month", "measure", "other_name"], name="one_outcome_value"
            )
        ]


class Evaluation(models.Model):
    """A saved before/after evaluation: what was asked and what came out (``result``)."""

    class Matching(models.TextChoices):
        CHOSEN = "chosen", _("chosen by hand")
        NEED = "need", _("matched on the need index")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="evaluations"
    )
    name = models.CharField(_("name"), max_length=120)
    # "nara:contacts", "nara:acceptance", a measure code, or "other:<name>"
    outcome = models.CharField(_("outcome"), max_length=100)
    matching = models.CharField(_("comparison areas"), max_length=8, choices=Matching.choices)
    period_start = models.DateField(_("first month"))
    period_end = models.DateField(_("last month"))
    # The centres whose catchments hold treated areas: their managers may read it.
    centres = models.ManyToManyField(Center, blank=True, related_name="evaluations")
    result = models.JSONField(_("result"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.name


class EvaluationArea(models.Model):
    """A treated area (with its opening date) or a comparison area of an evaluation."""

    class Role(models.TextChoices):
        TREATED = "treated", _("treated")
        COMPARISON = "comparison", _("comparison")

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="areas")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)

    class Meta:
        ordering = ["role", "area__name"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "area"], name="one_role_per_area"),
            models.CheckConstraint(
                condition=models.Q(role="treated", opened_on__isnull=False)
                | models.Q(role="comparison", opened_on__isnull=True),
                name="treated_areas_have_an_opening",
            ),
        ]
