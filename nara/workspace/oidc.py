"""Single sign-on through the municipality's OpenID Connect provider (mozilla-django-oidc).

Roles and centres come from a claim (NARA_OIDC_ROLES_CLAIM), e.g.
["social_worker:vallas", "centre_manager:vallas", "analyst", "partner_user:12"] (centre
codes, which never change, unlike the web-address names), and are
synchronised at every sign-in. An account whose claims map to no role cannot sign in.
"""

import logging
import time

import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from nara.core.actions.staff import do_record_sign_in, do_set_memberships, profile_of
from nara.core.models import Center, Partner, Role

from .middleware import SIGNED_IN_AT_KEY

logger = logging.getLogger(__name__)
SCOPED = {Role.SOCIAL_WORKER, Role.CENTRE_MANAGER, Role.PARTNER_USER}


def oidc_enabled():
    # Without a known issuer, ID tokens could not be checked: no single sign-on at all.
    return bool(
        settings.OIDC_RP_CLIENT_ID
        and settings.OIDC_OP_AUTHORIZATION_ENDPOINT
        and settings.OIDC_OP_ISSUER
    )


def roles_from_claims(claims):
    """[(role, centre, partner)] for the claim values that name a known role and scope."""
    values = claims.get(settings.NARA_OIDC_ROLES_CLAIM) or []
    if isinstance(values, str):
        values = values.split()
    roles = []
    for value in values:
        role, _, scope = str(value).partition(":")
        if role not in Role.values or (role in SCOPED) != bool(scope):
            continue
        if role == Role.PARTNER_USER:
            partner = Partner.objects.filter(pk=scope).first() if scope.isdigit() else None
            if partner:
                roles.append((role, None, partner))
        elif role in SCOPED:
            centre = Center.objects.filter(code=scope).first()
            if centre:
                roles.append((role, centre, None))
        else:
            roles.append((role, None, None))
    return roles


class NaraOIDCBackend(OIDCAuthenticationBackend):
    def filter_users_by_claims(self, claims):
        username = self.get_username(claims)
        return self.UserModel.objects.filter(username=username)

    def get_username(self, claims):
        return f"oidc:{claims.get('sub')}"[:150]

    def verify_claims(self, claims):
        return bool(claims.get("sub")) and bool(roles_from_claims(claims))

    def create_user(self, claims):
        user = self.UserModel.objects.create_user(self.get_username(claims), is_staff=True)
        return self.update_user(user, claims)

    def update_user(self, user, claims):
        user.first_name = (claims.get("given_name") or "")[:150]
        user.last_name = (claims.get("family_name") or "")[:150]
        user.email = claims.get("email") or ""
        user.is_staff = True
        user.save()
        profile = profile_of(user)
        profile.signs_in_with = "oidc"
        profile.save(update_fields=["signs_in_with"])
        do_set_memberships(actor="oidc", user=user, roles=roles_from_claims(claims))
        return user

    def authenticate(self, request, **kwargs):
        if not oidc_enabled() or request is None or "code" not in request.GET:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except requests.RequestException:
            # Provider unreachable or refusing our client: a failed sign-in, not a server error.
            logger.warning("OIDC sign-in failed: the identity provider did not answer as expected")
            return None

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        issuer = settings.OIDC_OP_ISSUER
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if (
            not issuer
            or payload.get("iss") != issuer
            or (settings.OIDC_RP_CLIENT_ID not in audiences)
        ):
            raise SuspiciousOperation("ID token issuer or audience does not match")
        return payload


class NaraOIDCCallbackView(OIDCAuthenticationCallbackView):
    def login_success(self):
        # Only now is the user signed in: auth.login() has cycled or flushed the session.
        response = super().login_success()
        # The provider did the second factor; the workspace trusts this session.
        self.request.session["nara_signed_in_with"] = "oidc"
        self.request.session[SIGNED_IN_AT_KEY] = int(time.time())
        do_record_sign_in(user=self.user, method="oidc")
        return response


def _only_when_enabled(view):
    def wrapper(request, *args, **kwargs):
        if not oidc_enabled():
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


start = _only_when_enabled(OIDCAuthenticationRequestView.as_view())
callback = _only_when_enabled(NaraOIDCCallbackView.as_view())
