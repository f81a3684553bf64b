"""The client address of a request, seen through the proxies this deployment trusts.

NARA_TRUSTED_PROXIES lists the addresses or networks (CIDR) of our own reverse proxies. The
X-Forwarded-For header is read from the right: each hop added by a trusted proxy is skipped,
and the first address not in the list is the client. Without trusted proxies, or when the
request did not come through one, the header is ignored, so a client cannot spoof it.
"""

import ipaddress

from django.conf import settings


def _trusted(address):
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in settings.NARA_TRUSTED_PROXIES)


def client_address(request):
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if not _trusted(remote):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop):
            return hop if _valid(hop) else remote
    return remote


def _valid(address):
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True
