"""Planning data: imported candidate sites and saved scenarios (parameters and results)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nara.core.models import Municipality


class CandidateSite(models.Model):
    """A possible location for a centre or base, imported from CSV or GeoJSON (WGS84)."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="candidate_sites"
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    source = models.CharField(_("source"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("candidate site")
        verbose_name_plural = _("candidate sites")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name


class Scenario(models.Model):
    """A named planning run: what was asked (parameters) and what came out (results)."""

    class Model(models.TextChoices):
        MCLP = "mclp", _("maximal covering")
        PMEDIAN = "pmedian", _("p-median")
        CATCHMENTS = "catchments", _("capacitated catchments")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="planning_scenarios"
    )
    name = models.CharField(_("name"), max_length=120)
    model = models.CharField(_("model"), max_length=12, choices=Model.choices)
    parameters = models.JSONField(_("parameters"), default=dict)
    results = models.JSONField(_("results"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.name

    @property
    def status(self):
        return self.results.get("status", "")

    @property
    def metrics(self):
        return self.results.get("metrics", {})


class CatchmentSnapshot(models.Model):
    """A catchment layer as it was before a scenario replaced it: kept as history."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="catchment_snapshots"
    )
    layer = models.CharField(_("layer"), max_length=10)
    # {area code: {"centre": centre code, "name": centre name}} as it was
    memberships = models.JSONField(_("catchments"), default=dict)
    replaced_by = models.ForeignKey(
        Scenario,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaced_layers",
        verbose_name=_("replaced by scenario"),
    )
    scenario_name = models.CharField(_("scenario"), max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("replaced at"), auto_now_add=True)

    class Meta:
        verbose_name = _("earlier catchment layer")
        verbose_name_plural = _("earlier catchment layers")
        ordering = ["-created_at", "-pk"]
