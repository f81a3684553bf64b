"""Rendered public pages kept in each process, so a busy centre page costs no query at all.

A page is shared only when nothing in it belongs to the visitor: a plain GET with no query
string, no session and no pending messages. It is stored under the content version (see
nara.core.content_version: it changes as soon as a change to anything the public pages show
commits), the path and the language, and only until the page's own clock runs out (a centre
page: its next opening, closing or drop-in boundary, or midnight). The visitor's CSRF token is
put into the stored page for each response.
"""

import datetime as dt

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from nara.core import content_version
from nara.core.queries import local_now

CSRF_PLACEHOLDER = b"nara-page-cache-csrf-token"
# Pages without a clock of their own are kept this long at most; the content version is what
# normally replaces them.
LONGEST = dt.timedelta(minutes=15)


def serve(request, build, canonical_url=None):
    """The page `build(extra_context)` makes, from the cache when it may be shared.

    `build` returns (response, valid_until): valid_until is a naive local datetime or None.
    It must pass `extra_context` on to the template. A page reached in several ways (a form
    post, a query string) names the one URL it is kept under in `canonical_url`.
    """
    if not _shareable(request, canonical_url is not None):
        return build({})[0]
    store = caches["pages"]
    key = f"{content_version.current()}:{get_language()}:{canonical_url or request.path}"
    now = local_now()
    hit = store.get(key)
    if hit is not None and hit["valid_until"] > now:
        return _respond(request, hit)
    response, valid_until = build({"csrf_token": CSRF_PLACEHOLDER.decode()})
    if response.status_code != 200:
        return response
    entry = {
        "body": response.content,
        "content_type": response["Content-Type"],
        "valid_until": min(valid_until or now + LONGEST, now + LONGEST),
    }
    timeout = max((entry["valid_until"] - now).total_seconds(), 1)
    store.set(key, entry, timeout=timeout)
    return _respond(request, entry, response)


def _shareable(request, canonical):
    cookies = request.COOKIES
    return (
        (canonical or (request.method == "GET" and not request.META.get("QUERY_STRING")))
        and settings.SESSION_COOKIE_NAME not in cookies
        and CookieStorage.cookie_name not in cookies
    )


def _respond(request, entry, response=None):
    body = entry["body"].replace(CSRF_PLACEHOLDER, get_token(request).encode())
    if response is None:
        return HttpResponse(body, content_type=entry["content_type"])
    response.content = body
    return response
