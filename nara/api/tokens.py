"""Partner API tokens: how they look, how they are stored, and how a call proves one.

A token is `nara_pat_<prefix>_<secret>`: the prefix (8 hex characters, stored in clear) finds
the row, the secret (32 random bytes, URL-safe base64) is checked against a keyed hash
(HMAC-SHA256 under a key derived from NARA_FIELD_KEYS, like the lookup hashes in
nara/core/crypto.py; every listed key verifies, and a token proven under an older key is
re-hashed under the current one on use, so the keys can be rotated) in constant time.
The token travels only in `Authorization: Bearer`; it is never logged, never in a URL, and the
database never holds it.
"""

import datetime as dt
import hashlib
import hmac
import re
import secrets

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions, throttling
from rest_framework.authentication import BaseAuthentication

from nara.public.guard import limit_reached

from .models import ApiToken, PartnerApiActor

PREFIX = "nara_pat_"
TOKEN_SHAPE = re.compile(r"^nara_pat_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")
# Seen last-used times are written at most this often per token (one UPDATE, not one per call).
LAST_USED_EVERY_SECONDS = 60


def _key(secret_key):
    return hashlib.sha256(f"api-token:{secret_key}".encode()).digest()


def secret_hashes(secret):
    """The keyed hash of a token's secret under every listed field key, current first."""
    return [
        hmac.new(_key(k), secret.encode(), hashlib.sha256).hexdigest()
        for k in settings.NARA_FIELD_KEYS
    ]


def new_token():
    """(prefix, the token shown once, the hash to store)."""
    while True:
        prefix = secrets.token_hex(4)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    secret = secrets.token_urlsafe(32)
    return prefix, f"{PREFIX}{prefix}_{secret}", secret_hashes(secret)[0]


def find_token(raw):
    """The ApiToken `raw` proves (usable or not), or None."""
    match = TOKEN_SHAPE.match(raw or "")
    if not match:
        return None
    prefix, secret = match.groups()
    token = ApiToken.objects.select_related("partner__api_account").filter(prefix=prefix).first()
    if token is None:
        hmac.compare_digest(secret_hashes(secret)[0], "0" * 64)  # same work for a miss
        return None
    hashes = secret_hashes(secret)
    proven = [hmac.compare_digest(candidate, token.secret_hash) for candidate in hashes]
    if not any(proven):
        return None
    if not proven[0]:  # made under an older field key: re-hash under the current one
        ApiToken.objects.filter(pk=token.pk).update(secret_hash=hashes[0])
    return token


def actor_for(token):
    """The organisation's API account, labelled with the token, as the actions' actor."""
    actor = PartnerApiActor.objects.get(pk=token.partner.api_account.user_id)
    actor.api_token_id = token.pk
    return actor


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer nara_pat_…`; nothing else is read (no query string, no cookie)."""

    www_authenticate_realm = "nara-partner-api"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        kind, _space, raw = header.partition(" ")
        token = find_token(raw.strip()) if kind.lower() == "bearer" else None
        if token is None or not token.is_usable:
            if limit_reached(request._request, "api-token-failure", _failures_per_hour()):
                raise exceptions.Throttled(wait=3600)
            raise exceptions.AuthenticationFailed(
                _("The token is not valid: it may be mistyped, revoked or expired.")
            )
        _touch(token)
        return actor_for(token), token

    def authenticate_header(self, request):
        return f'Bearer realm="{self.www_authenticate_realm}"'


def _failures_per_hour():
    return int(getattr(settings, "NARA_API_FAILED_AUTH_PER_HOUR", 60))


def _touch(token):
    now = timezone.now()
    stale = now - dt.timedelta(seconds=LAST_USED_EVERY_SECONDS)
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale)
    ).update(last_used_at=now)


class HasScope(permissions.BasePermission):
    """A usable token with the view's scope for this method (view.required_scopes)."""

    message = _("This token may not do this. Ask the municipality for a token with that right.")

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            raise exceptions.NotAuthenticated(
                _("Give a partner API token: Authorization: Bearer nara_pat_…")
            )
        needed = view.required_scopes.get(request.method)
        return needed is not None and needed in token.scopes


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """Calls per token, counted in the Django cache (NARA_API_RATE, e.g. 120/min)."""

    scope = "partner-api"

    def get_rate(self):
        return getattr(settings, "NARA_API_RATE", "120/min")

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
