"""Rate limits and bot protection for public forms, without third-party services.

Limits count per client address under a hash keyed with the secret key (the address itself
is never stored), in database rows that are deleted once they are two windows old and a new
counter is made. A hidden honeypot field and a signed, single-use "form shown at" token stop
simple bots.
"""

import hashlib
import secrets
import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from nara.core.client_address import client_address
from nara.core.models import RateCounter

MIN_SECONDS_TO_FILL = 2
MAX_FORM_AGE = 6 * 3600
WINDOW = 3600


def limit_reached(request, bucket, per_hour):
    """Count this attempt; True once more than `per_hour` fell within the last hour.

    Fixed hourly windows in the database, counted with one atomic UPDATE; the previous window
    still counts for the part of it that lies within the last hour (a sliding estimate)."""
    address = client_address(request)
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{bucket}:{address}".encode()).hexdigest()
    now = time.time()
    window = int(now // WINDOW) * WINDOW
    current = _count_attempt(digest, window)
    previous = (
        RateCounter.objects.filter(key=digest, window=window - WINDOW)
        .values_list("count", flat=True)
        .first()
        or 0
    )
    overlap = 1 - (now - window) / WINDOW
    return current + previous * overlap > per_hour


def _count_attempt(digest, window):
    counters = RateCounter.objects.filter(key=digest, window=window)
    if not counters.update(count=F("count") + 1):
        try:
            with transaction.atomic():
                RateCounter.objects.create(key=digest, window=window, count=1)
        except IntegrityError:  # someone else created it first
            counters.update(count=F("count") + 1)
        else:
            RateCounter.objects.filter(window__lt=window - WINDOW).delete()
    return counters.values_list("count", flat=True).first()


class HumanForm(forms.Form):
    """Adds the honeypot and the signed, single-use form token; subclasses add their fields."""

    website = forms.CharField(required=False, label=_("Leave this field empty"))
    shown = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shown"].initial = new_form_token(int(time.time()))

    @property
    def next_token(self):
        """The token to put in the page shown again: a used one would be refused."""
        shown = _read_token(self.data.get("shown")) if self.is_bound else None
        return new_form_token(shown[0] if shown else int(time.time()))

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(_("Your answer could not be sent."), code="bot")
        shown = _read_token(data.get("shown"))
        if shown is None:
            raise forms.ValidationError(
                _("The form was open too long. Please fill it in again."), code="stale"
            )
        if time.time() - shown[0] < MIN_SECONDS_TO_FILL and not settings.NARA_SKIP_FORM_TIMER:
            raise forms.ValidationError(_("Your answer could not be sent."), code="bot")
        # Spent only by a form that is otherwise valid, so a person can correct and resend.
        if not self._errors and not cache.add(f"form-used:{shown[1]}", 1, MAX_FORM_AGE):
            raise forms.ValidationError(
                _("This form was already sent once. Check your answers and send again."),
                code="reused",
            )
        return data


def new_form_token(shown_at):
    return signing.dumps([shown_at, secrets.token_urlsafe(12)], salt="nara-form")


def _read_token(value):
    """(shown at, nonce) of a valid token, else None."""
    try:
        shown = signing.loads(value or "", salt="nara-form", max_age=MAX_FORM_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(shown, list) or len(shown) != 2:
        return None
    return shown
