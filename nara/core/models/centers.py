import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from i18nfield.fields import I18nCharField, I18nTextField

from nara.lib import calendar

from .geo import Area, Municipality


def new_centre_code():
    return f"c-{secrets.token_hex(4)}"


class Center(models.Model):
    class Kind(models.TextChoices):
        CENTRE = "centre", _("social centre")
        BASE = "base", _("base")
        POPUP = "popup", _("pop-up")

    class CoLocation(models.TextChoices):
        NONE = "", _("none")
        CITIZEN_SERVICE = "citizen_service", _("citizen service desk")
        SCHOOL = "school", _("school")
        LIBRARY = "library", _("library")
        OTHER = "other", _("other")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="centers")
    slug = models.SlugField(_("web address name"), max_length=60, unique=True)
    # Names the centre in single sign-on role claims; unlike the slug it never changes.
    code = models.SlugField(
        _("code"),
        max_length=60,
        unique=True,
        default=new_centre_code,
        help_text=_(
            "Used in single sign-on role claims. Set when the centre is created; it never changes."
        ),
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CENTRE)
    neutral_display_name = models.CharField(
        _("neutral display name"),
        max_length=60,
        help_text=_("Used in reminders and messages; must not reveal social services."),
    )
    street_address = models.CharField(_("street address"), max_length=120)
    postal_code = models.CharField(_("postcode"), max_length=6)
    city = models.CharField(_("city"), max_length=60)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    co_location = models.CharField(
        _("co-located with"), max_length=20, choices=CoLocation.choices, blank=True
    )
    co_location_name = models.CharField(_("co-location name"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    accessibility = I18nTextField(_("accessibility"), blank=True, null=True)
    directions = I18nTextField(_("how to get there"), blank=True, null=True)
    # The insights: the before/after evaluation starts from the opening date, and the cost per
    # contact divides the annual budget.
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    annual_budget_sek = models.PositiveIntegerField(_("annual budget (SEK)"), null=True, blank=True)
    # A new centre stays off the public site until someone publishes it (an audited action).
    is_published = models.BooleanField(_("published"), default=False)

    class Meta:
        verbose_name = _("centre")
        verbose_name_plural = _("centres")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name

    @property
    def catchment_layer(self):
        return CatchmentMembership.layer_for(self.kind)


class CatchmentMembership(models.Model):
    """An area served by a centre. Within one layer an area has at most one centre."""

    class Layer(models.TextChoices):
        CENTRES = "centres", _("social centres")
        BASES = "bases", _("bases")
        POPUPS = "popups", _("pop-ups")

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="catchment")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="catchments")
    layer = models.CharField(max_length=10, choices=Layer.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["area", "layer"], name="one_centre_per_area_and_layer")
        ]

    @classmethod
    def layer_for(cls, kind):
        return {
            Center.Kind.CENTRE: cls.Layer.CENTRES,
            Center.Kind.BASE: cls.Layer.BASES,
            Center.Kind.POPUP: cls.Layer.POPUPS,
        }[kind]


class Schedule(models.Model):
    """A recurring opening rule, shaped like the Open Referral HSDS 3.0 `schedule` object."""

    class Kind(models.TextChoices):
        OPENING = "opening", _("opening hours")
        DROP_IN = "dropin", _("drop-in")

    class Freq(models.TextChoices):
        WEEKLY = "WEEKLY", _("weekly")
        MONTHLY = "MONTHLY", _("monthly")

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="schedules")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = I18nCharField(_("title"), blank=True, null=True)
    freq = models.CharField(_("frequency"), max_length=8, choices=Freq.choices, default="WEEKLY")
    interval = models.PositiveSmallIntegerField(
        _("interval"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(max(calendar.MAX_INTERVAL.values()))],
    )
    byday = models.CharField(
        _("weekdays"), max_length=40, blank=True, help_text=_("iCal weekdays, e.g. MO,WE or 1TU")
    )
    bymonthday = models.CharField(_("days of month"), max_length=40, blank=True)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    notes = I18nTextField(_("notes"), blank=True, null=True)

    class Meta:
        verbose_name = _("schedule")
        ordering = ["kind", "opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="schedule_closes_after_opens",
            ),
            # dateutil never finishes expanding some rules with interval 0: keep them out.
            models.CheckConstraint(
                condition=models.Q(freq="WEEKLY", interval__gte=1, interval__lte=52)
                | models.Q(freq="MONTHLY", interval__gte=1, interval__lte=12),
                name="schedule_interval_in_range",
                violation_error_message=_("Repeat every 1–52 weeks or 1–12 months."),
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__gte=dt.date(2000, 1, 1))
                & (models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")))
                & (models.Q(valid_to__isnull=True) | models.Q(valid_to__lte=dt.date(2199, 12, 31))),
                name="schedule_valid_dates_in_range",
                violation_error_message=_("The dates must lie between 2000 and 2199, in order."),
            ),
        ]

    def __str__(self):
        return f"{self.center} {self.kind} {self.rrule}"

    def clean(self):
        try:
            calendar.validate_rule(self.freq, self.interval, self.byday, self.bymonthday)
        except calendar.ScheduleRuleError:
            raise ValidationError(
                _("This rule cannot be used: check the interval, weekdays and days of month.")
            ) from None

    @property
    def rrule(self):
        parts = [f"FREQ={self.freq}", f"INTERVAL={self.interval}"]
        if self.byday:
            parts.append(f"BYDAY={self.byday}")
        if self.bymonthday:
            parts.append(f"BYMONTHDAY={self.bymonthday}")
        return ";".join(parts)


class ScheduleException(models.Model):
    """A day when a centre is closed or keeps other hours (holiday, staff day, closure)."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField(_("date"))
    closed = models.BooleanField(_("closed all day"), default=True)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    reason = I18nCharField(_("reason"), blank=True, null=True)

    class Meta:
        verbose_name = _("exception")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["center", "date"], name="one_exception_per_day")
        ]


class StaffMember(models.Model):
    """A public staff directory entry: first name only, by design."""

    centers = models.ManyToManyField(Center, related_name="staff", verbose_name=_("centres"))
    first_name = models.CharField(_("first name"), max_length=40)
    role_title = I18nCharField(_("role"))
    languages = models.JSONField(_("languages"), default=list, blank=True)
    photo = models.FileField(_("photo"), upload_to="staff/", blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("staff directory entry")
        ordering = ["order", "first_name"]

    def __str__(self):
        return self.first_name
