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
    """A named planning run: what was asked (parameters) and what came out (results).

    A scenario saved on the planning pages is computed in the background (nara/planning/tasks.py,
    run by ``manage.py run_worker``): queued → computing → done or failed. Writes go through the
    do_*_scenario actions, which check the state under a row lock.
    """

    class Model(models.TextChoices):
        MCLP = "mclp", _("maximal covering")
        PMEDIAN = "pmedian", _("p-median")
        CATCHMENTS = "catchments", _("capacitated catchments")

    class State(models.TextChoices):
        QUEUED = "queued", _("waiting to be computed")
        COMPUTING = "computing", _("computing")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="planning_scenarios"
    )
    name = models.CharField(_("name"), max_length=120)
    model = models.CharField(_("model"), max_length=12, choices=Model.choices)
    parameters = models.JSONField(_("parameters"), default=dict)
    results = models.JSONField(_("results"), default=dict)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    # Why the plan could not be computed, in words for people (never a traceback).
    failure = models.TextField(_("why it failed"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # The uploaded travel-time matrix (decoded CSV), kept so the worker and a rerun can use it.
    travel_matrix = models.TextField(_("travel-time matrix"), blank=True)
    # The language of whoever queued it: the worker writes a failure in that language.
    language = models.CharField(_("language"), max_length=8, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # The one-time token of the new-scenario form that saved it (forms.SUBMISSION_TOKEN): the
    # same form posted again (a double click, a resubmission) finds this scenario instead of
    # saving a second one. Unique per person, so two racing POSTs cannot both save.
    submission_token = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "submission_token"],
                condition=~models.Q(submission_token=""),
                name="planning_scenario_one_per_submission",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def status(self):
        """The solver's status when done ("optimal", "within X % of optimal"), else the state."""
        if self.state != self.State.DONE:
            return self.state
        return self.results.get("status", "")

    @property
    def is_done(self):
        return self.state == self.State.DONE

    @property
    def is_pending(self):
        return self.state in (self.State.QUEUED, self.State.COMPUTING)

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
