"""Staff views are closed by default: signed in, second factor done, and a staff role."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from nara.core import access


def second_factor_done(request):
    user = request.user
    return user.is_verified() or request.session.get("nara_signed_in_with") == "oidc"


def _to(request, url):
    """Redirect; an HTMX request (a section swap) is told to load the whole page instead, or
    the sign-in page would be swapped into the section."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def staff_view(*roles):
    """Require sign-in with two factors and, if given, one of `roles`."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return _to(request, f"/staff/login/?next={request.path}")
            if not second_factor_done(request):
                return _to(request, reverse("workspace:login-verify"))
            if not access.roles(request.user):
                raise PermissionDenied
            if roles and not access.has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.nara_access = roles or "any-staff"
        return wrapper

    return decorate
