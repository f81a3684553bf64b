import contextlib
import ipaddress

from django.conf import settings


class SecurityHeadersMiddleware:
    """Everything is served from this host: a strict Content-Security-Policy says so."""

    POLICY = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.POLICY)
        response.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        return response


class ClientAddressMiddleware:
    """Behind a reverse proxy, the client's address is the proxy's X-Real-IP header.

    Trusted only from the addresses in NARA_TRUSTED_PROXIES, so a client cannot pick its own
    address to escape rate limits or to forge the audit trail's client address.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.proxies = frozenset(settings.NARA_TRUSTED_PROXIES)

    def __call__(self, request):
        if request.META.get("REMOTE_ADDR") in self.proxies:
            real_ip = request.META.get("HTTP_X_REAL_IP", "").strip()
            with contextlib.suppress(ValueError):  # no usable header: keep the proxy's
                request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(real_ip))
        return self.get_response(request)
