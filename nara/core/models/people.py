from django.db import models
from django.utils.translation import gettext_lazy as _

from nara.lib.personnummer import masked

from .. import crypto
from .centers import Center


class Person(models.Model):
    """An identified person: only where the service's documentation level allows it.

    The personnummer and the address are stored encrypted, each with a keyed hash for look-up;
    never in clear. `search_name` is the name folded for search (case and diacritics removed);
    the name itself is kept in clear like it always was.
    """

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="people")
    first_name = models.CharField(_("first name"), max_length=60)
    last_name = models.CharField(_("last name"), max_length=60)
    personnummer_encrypted = models.TextField(blank=True)
    personnummer_hash = models.CharField(max_length=64, blank=True, db_index=True)
    address_encrypted = models.TextField(blank=True)
    address_hash = models.CharField(max_length=64, blank=True)
    search_name = models.CharField(max_length=130, blank=True, db_index=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True, db_index=True)
    protected_identity = models.BooleanField(
        _("protected identity"), default=False, help_text=_("Skyddad identitet")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Kept past every retention period while set (a court or supervisory matter needs it).
    legal_hold = models.BooleanField(_("legal hold"), default=False)

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
    def address(self):
        """Decrypted on use: only the person page, after the access check and reason, uses it."""
        return crypto.decrypt(self.address_encrypted)

    @property
    def personnummer_masked(self):
        value = self.personnummer
        return masked(value) if value else ""
