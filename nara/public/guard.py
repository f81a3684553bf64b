"""Rate limits and bot protection for public forms, without third-party services.

Limits count per client address, hashed with the secret key and kept an hour; a hidden
honeypot field and a signed "form shown at" time stop simple bots.
"""

import hashlib
import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from nara.core.client_address import client_address

MIN_SECONDS_TO_FILL = 2
MAX_FORM_AGE = 6 * 3600


def limit_reached(request, bucket, per_hour):
    address = client_address(request)
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{bucket}:{address}".encode()).hexdigest()
    key = f"limit:{digest}"
    try:
        count = cache.incr(key)  # one write in the common case
    except ValueError:
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > per_hour


class HumanForm(forms.Form):
    """Adds the honeypot and the signed timestamp; subclasses add their own fields."""

    website = forms.CharField(required=False, label=_("Leave this field empty"))
    shown = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shown"].initial = signing.dumps(int(time.time()), salt="nara-form")

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(_("Your answer could not be sent."), code="bot")
        try:
            shown = signing.loads(data.get("shown") or "", salt="nara-form", max_age=MAX_FORM_AGE)
        except signing.BadSignature:
            raise forms.ValidationError(
                _("The form was open too long. Please fill it in again."), code="stale"
            ) from None
        if time.time() - shown < MIN_SECONDS_TO_FILL and not settings.NARA_SKIP_FORM_TIMER:
            raise forms.ValidationError(_("Your answer could not be sent."), code="bot")
        return data
