"""The neighbourhood's services and the referrals between them and the centres.

A partner (school, police, child health centre, NGO, a regional or municipal unit) offers
services; their shape follows Open Referral HSDS 3.0 (organization → service → schedule), so
the API can publish the directory. A referral carries a family from a centre to a partner's
service (outgoing) or from a partner to a centre (incoming); each change of status is a
ReferralEvent, so how long every step took can be computed from the rows.

Identity travels only on a legal basis: the resident's consent to that recipient (checked in the
transaction that sends) or a statutory basis from the administrator's list, always flagged for
log review.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nara.lib import calendar
from nara.lib.topics import TOPIC_CHOICES

from .casework import Alias, Consent, Contact, Household
from .centers import Center
from .geo import Municipality
from .people import Person
from .staff import Partner


class Capacity(models.TextChoices):
    TAKING = "taking", _("taking referrals")
    WAITING_LIST = "waiting_list", _("waiting list")
    NOT_TAKING = "not_taking", _("not taking referrals")


class PartnerService(models.Model):
    """A service a partner offers (HSDS `service`): who it is for and whether it takes people."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="services")
    name = models.CharField(_("name"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    topics = models.JSONField(_("help topics"), default=list)
    age_min = models.PositiveSmallIntegerField(
        _("from age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    age_max = models.PositiveSmallIntegerField(
        _("to age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    target_group = models.CharField(_("target group"), max_length=200, blank=True)
    languages = models.JSONField(_("languages"), default=list)
    how_to_apply = models.TextField(_("how to apply"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    url = models.URLField(_("web page"), blank=True)
    capacity = models.CharField(
        _("taking referrals"), max_length=12, choices=Capacity.choices, default=Capacity.TAKING
    )
    capacity_confirmed_on = models.DateField(_("capacity last confirmed"), null=True, blank=True)
    accepts_referrals = models.BooleanField(_("receives referrals through Nära"), default=True)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("partner service")
        ordering = ["partner__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(age_min__isnull=True)
                | Q(age_max__isnull=True)
                | Q(age_max__gte=F("age_min")),
                name="partner_service_age_range",
            ),
        ]

    def __str__(self):
        return f"{self.partner.name}: {self.name}"


class PartnerServiceSchedule(models.Model):
    """Opening hours of a partner's service: the same RRULE shape as a centre's Schedule."""

    class Freq(models.TextChoices):
        WEEKLY = "WEEKLY", _("weekly")
        MONTHLY = "MONTHLY", _("monthly")

    service = models.ForeignKey(PartnerService, on_delete=models.CASCADE, related_name="schedules")
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
    # HSDS valid_from/valid_to; valid_from is also the rule's dtstart, which a rule repeating
    # every other week needs to say which weeks it means.
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    description = models.CharField(
        _("note"), max_length=200, blank=True, help_text=_("e.g. drop-in, no appointment needed")
    )

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["opens_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="partner_schedule_closes_after"
            ),
        ]


class LegalBasis(models.Model):
    """A statutory basis for sharing without consent (e.g. a secrecy-breaking provision),
    kept by the administrator. Every referral that uses one is flagged for log review."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="legal_bases"
    )
    name = models.CharField(_("name"), max_length=160)
    provision = models.CharField(_("provision"), max_length=120, help_text=_("e.g. OSL 26:9"))
    description = models.TextField(_("when it applies"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("legal basis for sharing")
        verbose_name_plural = _("legal bases for sharing")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.provision})"


class ReferralStatus(models.TextChoices):
    # Their own context: the same English words for offers read differently in Swedish.
    SENT = "sent", pgettext_lazy("referral status", "sent")
    RECEIVED = "received", pgettext_lazy("referral status", "received")
    ACCEPTED = "accepted", pgettext_lazy("referral status", "accepted")
    DECLINED = "declined", pgettext_lazy("referral status", "declined")
    CONTACT_MADE = "contact_made", pgettext_lazy("referral status", "contact made")
    NO_CONTACT = "no_contact", pgettext_lazy("referral status", "could not make contact")
    HELP_STARTED = "help_started", pgettext_lazy("referral status", "help started")
    COMPLETED = "completed", pgettext_lazy("referral status", "completed")
    ENDED_EARLY = "ended_early", pgettext_lazy("referral status", "ended early")
    CLOSED = "closed", pgettext_lazy("referral status", "closed")
    WITHDRAWN = "withdrawn", pgettext_lazy("referral status", "withdrawn")


# Which status may follow which. Closing and withdrawing are listed per status on purpose: a
# referral that has ended can only be closed, one that is closed or withdrawn is final.
NEXT_STATUS = {
    ReferralStatus.SENT: {ReferralStatus.RECEIVED, ReferralStatus.WITHDRAWN},
    ReferralStatus.RECEIVED: {
        ReferralStatus.ACCEPTED,
        ReferralStatus.DECLINED,
        ReferralStatus.WITHDRAWN,
    },
    ReferralStatus.ACCEPTED: {
        ReferralStatus.CONTACT_MADE,
        ReferralStatus.NO_CONTACT,
        ReferralStatus.WITHDRAWN,
    },
    ReferralStatus.DECLINED: {ReferralStatus.CLOSED},
    ReferralStatus.CONTACT_MADE: {
        ReferralStatus.HELP_STARTED,
        ReferralStatus.CLOSED,
        ReferralStatus.WITHDRAWN,
    },
    ReferralStatus.NO_CONTACT: {ReferralStatus.CONTACT_MADE, ReferralStatus.CLOSED},
    ReferralStatus.HELP_STARTED: {ReferralStatus.COMPLETED, ReferralStatus.ENDED_EARLY},
    ReferralStatus.COMPLETED: {ReferralStatus.CLOSED},
    ReferralStatus.ENDED_EARLY: {ReferralStatus.CLOSED},
    ReferralStatus.CLOSED: set(),
    ReferralStatus.WITHDRAWN: set(),
}
OPEN_STATUSES = {s for s, after in NEXT_STATUS.items() if after}


class Referral(models.Model):
    """One family sent from a centre to a partner's service, or from a partner to a centre."""

    class Direction(models.TextChoices):
        OUTGOING = "outgoing", _("to a partner")
        INCOMING = "incoming", _("from a partner")

    class DeclineReason(models.TextChoices):
        NOT_ELIGIBLE = "not_eligible", _("not eligible")
        NO_CAPACITY = "no_capacity", _("no capacity")
        OTHER = "other", _("other reason")

    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="referrals")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="referrals")
    service = models.ForeignKey(
        PartnerService, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    topic = models.CharField(_("reason"), max_length=40, choices=TOPIC_CHOICES)
    # Who it is about: on an outgoing referral one of the centre's records; on an incoming one
    # the centre links a record once it has made contact.
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="referrals"
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.CASCADE, related_name="referrals"
    )
    alias = models.ForeignKey(
        Alias, null=True, blank=True, on_delete=models.CASCADE, related_name="referrals"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    # What the recipient may see (Consent.Scope values), and on what basis.
    shared = models.JSONField(_("what is shared"), default=list)
    consent = models.ForeignKey(
        Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    legal_basis = models.ForeignKey(
        LegalBasis, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    # An incoming referral: the family as the partner wrote it, encrypted at rest, and the
    # consent the partner recorded on its form.
    family_name_encrypted = models.TextField(blank=True)
    family_contact_encrypted = models.TextField(blank=True)
    partner_consent_given_by = models.CharField(
        _("consent given by"), max_length=10, choices=Consent.GivenBy.choices, blank=True
    )
    partner_consent_given_how = models.CharField(
        _("consent given how"), max_length=10, choices=Consent.GivenHow.choices, blank=True
    )
    partner_consent_scope = models.JSONField(_("consent covers"), default=list)
    status = models.CharField(
        _("status"), max_length=14, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    status_changed_at = models.DateTimeField(default=timezone.now)
    decline_reason = models.CharField(
        _("reason for declining"), max_length=14, choices=DeclineReason.choices, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # A warm referral: a joint meeting with the partner at the centre, in one of its slots.
    joint_meeting = models.ForeignKey(
        "core.Slot", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    legal_hold = models.BooleanField(_("legal hold"), default=False)

    class Meta:
        verbose_name = _("referral")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["center", "status"], name="referral_centre_status"),
            models.Index(fields=["partner", "status"], name="referral_partner_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(direction="incoming")
                | Q(consent__isnull=False)
                | Q(legal_basis__isnull=False)
                | (Q(person__isnull=True) & Q(household__isnull=True)),
                name="outgoing_referral_has_basis",
            ),
        ]

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES


class ReferralEvent(models.Model):
    """One change of a referral's status: who, when, and (for a decline) why."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("status"), max_length=14, choices=ReferralStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_partner = models.BooleanField(default=False)
    # The partner's answer, written down by the centre's worker (a service that takes its
    # referrals by phone, not through Nära): `by` is the worker, by_partner is True.
    recorded_by_centre = models.BooleanField(default=False)
    reason = models.CharField(
        _("reason"), max_length=14, choices=Referral.DeclineReason.choices, blank=True
    )

    class Meta:
        verbose_name = _("referral event")
        ordering = ["at", "pk"]
