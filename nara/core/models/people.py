from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nara.lib.languages import SPOKEN_LANGUAGES
from nara.lib.personnummer import masked

from .. import crypto
from .centers import Center


class IdentityKind(models.TextChoices):
    PERSONNUMMER = "personnummer", _("personal identity number")
    SAMORDNINGSNUMMER = "samordningsnummer", _("coordination number")
    RESERVNUMMER = "reservnummer", _("reserve number (temporary)")
    LOCAL = "local", _("temporary identity of the municipality")
    NONE = "none", _("no number")


TEMPORARY_KINDS = {IdentityKind.RESERVNUMMER, IdentityKind.LOCAL}
# A real number may later replace these (a samordningsnummer by a personnummer, too).
REPLACEABLE_KINDS = TEMPORARY_KINDS | {IdentityKind.NONE, IdentityKind.SAMORDNINGSNUMMER}


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
    identity_kind = models.CharField(
        _("kind of identity"),
        max_length=20,
        choices=IdentityKind.choices,
        default=IdentityKind.NONE,
    )
    phone_encrypted = models.TextField(blank=True)
    email_encrypted = models.TextField(blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        blank=True,
        choices=[(code, name) for code, name in SPOKEN_LANGUAGES.items()],
    )
    # Kept past every retention period while set (a court or supervisory matter needs it).
    legal_hold = models.BooleanField(_("legal hold"), default=False)
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
    def address(self):
        """Decrypted on use: only the person page, after the access check and reason, uses it."""
        return crypto.decrypt(self.address_encrypted)

    @property
    def phone(self):
        return crypto.decrypt(self.phone_encrypted)

    @property
    def email(self):
        return crypto.decrypt(self.email_encrypted)

    @property
    def personnummer_masked(self):
        value = self.personnummer
        return masked(value) if value else ""

    @property
    def identity_is_temporary(self):
        """Reserve numbers and local identities wait for a real number to replace them."""
        return self.identity_kind in TEMPORARY_KINDS

    @property
    def identity_shown(self):
        """What a page shows: a local identity in full (Nära made it), any number masked."""
        if self.identity_kind == IdentityKind.LOCAL:
            return self.personnummer
        return self.personnummer_masked


class FormerIdentity(models.Model):
    """A temporary identity a real number replaced: kept (encrypted) so old papers still match."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="former_identities")
    kind = models.CharField(max_length=20, choices=IdentityKind.choices)
    number_encrypted = models.TextField(blank=True)
    replaced_at = models.DateTimeField(auto_now_add=True)
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["replaced_at", "pk"]

    @property
    def number_shown(self):
        """As on the person page: a local identity in full, any number masked."""
        value = crypto.decrypt(self.number_encrypted)
        if self.kind == IdentityKind.LOCAL:
            return value
        return masked(value) if value else ""
