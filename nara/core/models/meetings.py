"""Collaboration meetings with partners (samverkansmöten): who met, about what, what was agreed.

A meeting record holds no personal data: organisations, topics, a short summary, and agreed
actions with an owner (a colleague at the centre or a partner organisation), a due date and a
status. A meeting may be an SSPF meeting (school, social services, police, leisure: youth
collaboration against gang recruitment); it then carries counts of young people discussed by
youth age band and area — counts only, never names. A name is shared only with consent, and
then as a referral, not here.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .centers import Center
from .geo import Area
from .staff import Partner


class YouthBand(models.TextChoices):
    """Age bands of SSPF counts: finer than the contacts' AgeBand, where gang recruitment is
    discussed (from middle school to young adults)."""

    AGE_10_12 = "10-12", _("10–12 years")
    AGE_13_15 = "13-15", _("13–15 years")
    AGE_16_17 = "16-17", _("16–17 years")
    AGE_18_20 = "18-20", _("18–20 years")


class PartnerMeeting(models.Model):
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="partner_meetings")
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=120)
    partners = models.ManyToManyField(
        Partner, blank=True, related_name="meetings", verbose_name=_("organisations present")
    )
    other_participants = models.CharField(_("other participants"), max_length=300, blank=True)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    is_sspf = models.BooleanField(_("SSPF meeting"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("collaboration meeting")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["center", "held_on"])]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.place}"


class MeetingAction(models.Model):
    """An agreed action: what, who (a colleague or a partner organisation), by when, status."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    meeting = models.ForeignKey(PartnerMeeting, on_delete=models.CASCADE, related_name="actions")
    # The meeting's centre, kept here so that access checks and the today view read one table.
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="+")
    what = models.CharField(_("what was agreed"), max_length=200)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_actions",
        verbose_name=_("owner"),
    )
    owner_partner = models.ForeignKey(
        Partner,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_actions",
        verbose_name=_("owner organisation"),
    )
    due = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("agreed action")
        ordering = ["due", "pk"]
        indexes = [models.Index(fields=["center", "status", "due"])]
        constraints = [
            models.CheckConstraint(
                name="meeting_action_has_one_owner",
                condition=Q(owner_user__isnull=False, owner_partner__isnull=True)
                | Q(owner_user__isnull=True, owner_partner__isnull=False),
            )
        ]

    @property
    def owner(self):
        return self.owner_user or self.owner_partner


class SSPFCount(models.Model):
    """How many young people of one age band and area an SSPF meeting discussed (no names)."""

    meeting = models.ForeignKey(
        PartnerMeeting, on_delete=models.CASCADE, related_name="sspf_counts"
    )
    age_band = models.CharField(_("age"), max_length=8, choices=YouthBand.choices)
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set: outside the centre's catchment. Unset with no area: the area was removed since.
    area_outside = models.BooleanField(_("outside the catchment"), default=False)
    count = models.PositiveSmallIntegerField(_("young people"))

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="sspf_count_plausible", condition=Q(count__gte=1, count__lte=500)
            )
        ]
