from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .centers import Center
from .geo import Municipality


class Role(models.TextChoices):
    SOCIAL_WORKER = "social_worker", _("social worker")
    CENTRE_MANAGER = "centre_manager", _("centre manager")
    ADMINISTRATOR = "administrator", _("administrator")
    ANALYST = "analyst", _("analyst")
    PARTNER_USER = "partner_user", _("partner user")


CENTRE_ROLES = (Role.SOCIAL_WORKER, Role.CENTRE_MANAGER)


class Partner(models.Model):
    class Kind(models.TextChoices):
        SCHOOL = "school", _("school")
        POLICE = "police", _("police")
        CHILD_HEALTH = "child_health", _("child health centre")
        OPEN_PRESCHOOL = "open_preschool", _("open preschool")
        CHURCH = "church", _("church")
        NGO = "ngo", _("association or NGO")
        HOUSING = "housing", _("housing company")
        REGION = "region", _("region")
        MUNICIPAL_UNIT = "municipal_unit", _("municipal unit")
        LEISURE = "leisure", _("leisure and youth centre")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("street address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    # A partner that stopped working with the centres keeps its history but takes nothing new.
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("partner")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A role a staff account holds, at a centre or partner where the role needs one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    center = models.ForeignKey(
        Center, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )

    class Meta:
        verbose_name = _("role")
        constraints = [
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    Q(role__in=CENTRE_ROLES, center__isnull=False, partner__isnull=True)
                    | Q(role=Role.PARTNER_USER, partner__isnull=False, center__isnull=True)
                    | Q(
                        role__in=[Role.ADMINISTRATOR, Role.ANALYST],
                        center__isnull=True,
                        partner__isnull=True,
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "center", "partner"], name="membership_unique"
            ),
        ]

    def __str__(self):
        where = self.center or self.partner or ""
        return f"{self.get_role_display()} {where}".strip()


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    # Raised by "sign out everywhere": sessions carrying an older value are ended.
    session_generation = models.PositiveIntegerField(default=0)
    signs_in_with = models.CharField(max_length=10, default="local")
    home_address = models.CharField(
        _("home address"),
        max_length=200,
        blank=True,
        help_text=_("Used only to flag look-ups of people at the same address."),
    )


class EmergencyAccess(models.Model):
    """Nödåtkomst: time-limited access to another centre's records, with a stated reason."""

    class Category(models.TextChoices):
        AT_THE_DOOR = "at_the_door", _("The person is here and needs help now")
        CENTRE_UNREACHABLE = "centre_unreachable", _("Their own centre cannot be reached")
        RISK_TO_A_CHILD = "risk_to_a_child", _("A child may be at risk")
        RISK_TO_LIFE = "risk_to_life", _("Risk to someone's life or health")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(
        _("kind of emergency"), max_length=30, blank=True, choices=Category.choices
    )
    reason = models.TextField(_("reason"))
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at"]

    @property
    def is_active(self):
        return self.expires_at > timezone.now()


class EnrolmentLink(models.Model):
    """A one-time link for a new or reset account to set its password and second factor.

    Only a hash of the token is stored; the token itself is shown once to the administrator.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolment_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)


class RoleGrantRequest(models.Model):
    """A casework role for an administrator, waiting for a second administrator's approval."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_requests"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    approved = models.BooleanField(null=True)

    class Meta:
        ordering = ["-requested_at"]
