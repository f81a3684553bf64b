from django.db import models
from django.utils.translation import gettext_lazy as _
from i18nfield.fields import I18nCharField, I18nTextField

from nara.lib.topics import TOPIC_CHOICES

from .centers import Center
from .geo import Municipality


class Service(models.Model):
    class DocumentationLevel(models.TextChoices):
        FULL = "full", _("full documentation")
        NO_IDENTITY = "no_identity", _("no identity")
        COUNTS_ONLY = "counts_only", _("counts only")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="services"
    )
    slug = models.SlugField(max_length=60, unique=True)
    name = I18nCharField(_("name"))
    topic = models.CharField(_("help topic"), max_length=30, choices=TOPIC_CHOICES)
    target_group = I18nCharField(_("target group"), blank=True, null=True)
    min_age = models.PositiveSmallIntegerField(_("from age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("to age"), null=True, blank=True)
    description = I18nTextField(_("description"))
    needs_assessed = models.BooleanField(
        _("individual needs assessment"),
        default=False,
        help_text=_("Off for services given without individual needs assessment."),
    )
    decision_reference = models.CharField(_("committee decision"), max_length=60)
    decision_date = models.DateField(_("decision date"))
    decision_conditions = models.TextField(_("conditions"), blank=True)
    documentation_level = models.CharField(
        _("documentation level"), max_length=12, choices=DocumentationLevel.choices
    )
    centers = models.ManyToManyField(Center, related_name="services", blank=True)

    class Meta:
        verbose_name = _("service")
        ordering = ["topic", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_age__isnull=True)
                | models.Q(min_age__isnull=True)
                | models.Q(max_age__gte=models.F("min_age")),
                name="service_age_range_valid",
            )
        ]

    def __str__(self):
        return str(self.name)
