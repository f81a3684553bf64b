from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from nara.lib.textfold import fold


class Municipality(models.Model):
    code = models.CharField(_("municipality code"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_example = models.BooleanField(
        _("fictional example"), default=False, help_text=_("Generated demo data, not real.")
    )
    referral_reminder_days = models.PositiveSmallIntegerField(
        _("days before an unanswered referral is followed up"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self):
        return self.name


class Area(models.Model):
    class Kind(models.TextChoices):
        DESO = "deso", _("DeSO")
        REGSO = "regso", _("RegSO")
        DISTRICT = "district", _("named district")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="areas")
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=120)
    # The name folded by nara.lib.text.fold, so search ignores case and å/ä/ö on every database.
    search_name = models.CharField(max_length=120, blank=True, editable=False, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DESO)
    parent_code = models.CharField(_("parent area code"), max_length=32, blank=True)
    # GeoJSON geometry (Polygon or MultiPolygon) in WGS84 longitude/latitude.
    geometry = models.JSONField(_("geometry"))
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    centroid_lon = models.FloatField()
    centroid_lat = models.FloatField()
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_0_17 = models.PositiveIntegerField(_("population 0–17"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["name", "code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="area_code_unique")
        ]
        indexes = [models.Index(fields=["min_lon", "max_lon", "min_lat", "max_lat"])]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = fold(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)


class AreaIndicator(models.Model):
    """A named need indicator for an area, e.g. income support share, with year and source."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("indicator"), max_length=64)
    value = models.FloatField(_("value"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("need indicator")
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="indicator_unique_per_area")
        ]

    def __str__(self):
        return f"{self.name}={self.value}"


class PostcodeArea(models.Model):
    """A postcode lies (partly) in an area. A postcode spanning several areas has one row per
    area, each with the share of its address points there (1.0 when it lies in one area)."""

    postcode = models.CharField(_("postcode"), max_length=5, db_index=True)
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="postcodes")
    share = models.FloatField(_("share"), default=1.0)

    class Meta:
        verbose_name = _("postcode")
        ordering = ["postcode", "-share"]
        constraints = [
            models.UniqueConstraint(fields=["postcode", "area"], name="postcode_area_unique")
        ]

    def __str__(self):
        return f"{self.postcode[:3]} {self.postcode[3:]}"
