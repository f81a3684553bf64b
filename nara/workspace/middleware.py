import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from nara.core import audit
from nara.core.actions.staff import profile_of
from nara.core.client_address import client_address

GENERATION_KEY = "nara_session_generation"
LAST_SEEN_KEY = "nara_last_seen"
SIGNED_IN_AT_KEY = "nara_signed_in_at"


class StaffSessionMiddleware:
    """Ends staff sessions that are idle too long or were signed out everywhere.

    Also makes the client address available to the audit trail for this request, and keeps
    every staff page out of browser and proxy caches (they show personal data).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = audit.current_client_address.set(client_address(request))
        try:
            response = self._respond(request)
        finally:
            audit.current_client_address.reset(token)
        if request.path.startswith("/staff/"):
            add_never_cache_headers(response)
        return response

    def _respond(self, request):
        if request.user.is_authenticated and request.path.startswith("/staff/"):
            ended = self._ended(request)
            if ended:
                logout(request)
                messages.info(request, ended)
                return redirect("workspace:login")
            request.session[LAST_SEEN_KEY] = int(time.time())
        return self.get_response(request)

    def _ended(self, request):
        session = request.session
        generation = profile_of(request.user).session_generation
        if session.setdefault(GENERATION_KEY, generation) != generation:
            return _("You were signed out on all devices. Please sign in again.")
        signed_in_at = session.setdefault(SIGNED_IN_AT_KEY, int(time.time()))
        if time.time() - signed_in_at > settings.SESSION_COOKIE_AGE:
            hours = settings.SESSION_COOKIE_AGE // 3600
            return _("Your sign-in ended after %(hours)s hours. Please sign in again.") % {
                "hours": hours
            }
        last_seen = session.get(LAST_SEEN_KEY)
        if last_seen and time.time() - last_seen > settings.NARA_STAFF_IDLE_MINUTES * 60:
            return _("You were signed out after a period without activity.")
        return None


class MethodNotAllowedPageMiddleware:
    """An empty 405 (a POST-only address opened directly) becomes a page in the reader's
    language (nara.workspace.errors.method_not_allowed). Last in MIDDLEWARE, so the language
    and the signed-in user are known when the page is drawn."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .errors import method_not_allowed

        return method_not_allowed(request, self.get_response(request))


class NulInPathMiddleware:
    """An address with a NUL character (%00) names nothing: not found, before any view looks
    it up (PostgreSQL cannot hold a NUL, so a lookup would be a server error)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info:
            raise Http404
        return self.get_response(request)
