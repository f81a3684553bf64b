from django.db import models
from django.utils.translation import gettext_lazy as _

from nara.lib.personnummer import masked

from .. import crypto
from .centers import Center


class Person(models.Model):
    """An identified person: only where the service's documentation level allows it.

    The personnummer is stored encrypted, with a keyed hash for look-up; never in clear.
    """

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="people")
    first_name = models.CharField(_("first name"), max_length=60)
    last_name = models.CharField(_("last name"), max_length=60)
    personnummer_encrypted = models.TextField(blank=True)
    personnummer_hash = models.CharField(max_length=64, blank=True, db_index=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    protected_identity = models.BooleanField(
        _("protected identity"), default=False, help_text=_("Skyddad identitet")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        constraints = [
            models.UniqueConstraint(
                fields=["personnummer_hash"],
                condition=~models.Q(personnummer_hash=""),
                name="person_personnummer_unique",
            )
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def personnummer(self):
        return crypto.decrypt(self.personnummer_encrypted)

    @property
    def personnummer_masked(self):
        value = self.personnummer
        return masked(value) if value else ""
