from django.db import models
from django.utils.translation import gettext_lazy as _
from i18nfield.fields import I18nTextField


class MythFact(models.Model):
    """A common myth about social services and the fact that answers it; staff edit these."""

    myth = I18nTextField(_("myth"))
    fact = I18nTextField(_("fact"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_published = models.BooleanField(_("published"), default=True)

    class Meta:
        verbose_name = _("myth and fact")
        ordering = ["order", "id"]

    def __str__(self):
        return str(self.myth)[:60]


class PageFeedback(models.Model):
    """An anonymous "Did this page help you?" answer. No personal data, no client address."""

    path = models.CharField(max_length=200)
    language = models.CharField(max_length=8)
    helpful = models.BooleanField()
    comment = models.TextField(blank=True, max_length=500)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]


class ContentVersion(models.Model):
    """One row whose token changes with anything the public pages show (see content_version)."""

    token = models.CharField(max_length=32)
