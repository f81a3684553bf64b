"""Serving a public directory resource: query validation, ETag and 304, Cache-Control, and the
rendered JSON kept per process under the content version.

A directory response depends only on the public content (nara.core.content_version changes
with any of it), the path, the validated query and the language, so it is kept in the "pages"
cache under those and its ETag is derived from the same key: a conditional GET with a matching
If-None-Match is answered 304 without a query.
"""

import functools
import hashlib
import json

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import translation
from django.utils.cache import patch_vary_headers

from nara.core import content_version

from .hsds import base_url
from .language import api_language

KEEP_SECONDS = 15 * 60


def serve(request, query_class, build, content_type="application/json", **kwargs):
    """Validate the query with `query_class` (a Serializer; errors become a 400 problem),
    then answer from the cache or with `build(request, params, **kwargs)`: a dict or list
    (sent as JSON) or bytes."""
    params = validated(query_class, request)
    language = api_language(request)
    etag = _etag(request, language, kwargs)
    if _matches(request, etag):
        return _with(HttpResponseNotModified(), etag, language)
    store = caches["pages"]
    entry = store.get(f"api:{etag}")
    if entry is None:
        with translation.override(language):
            payload = build(request, params, **kwargs)
        body = payload if isinstance(payload, bytes) else _json(payload)
        entry = (body, content_type)
        store.set(f"api:{etag}", entry, timeout=KEEP_SECONDS)
    return _with(HttpResponse(entry[0], content_type=entry[1]), etag, language)


def cached_first(view):
    """Answer a GET that was answered before straight from the cache, before REST framework
    parses anything; everything else goes to `view`. Only valid queries are ever stored, so a
    hit needs no validation. The wrapper keeps the view's attributes (drf-spectacular reads
    them for the OpenAPI document)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method in ("GET", "HEAD"):
            language = api_language(request)
            etag = _etag(request, language, kwargs)
            entry = caches["pages"].get(f"api:{etag}")
            if entry is not None:
                if _matches(request, etag):
                    return _with(HttpResponseNotModified(), etag, language)
                return _with(HttpResponse(entry[0], content_type=entry[1]), etag, language)
        return view(request, *args, **kwargs)

    return wrapper


def validated(query_class, request):
    if query_class is None:
        return {}
    query = query_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


def _json(payload):
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _etag(request, language, kwargs):
    """From the content version, language, site address, path and the raw query: a response
    is only ever stored for a valid query."""
    canonical = json.dumps(
        [
            content_version.current(),
            language,
            base_url(request),
            request.path,
            sorted(request.GET.lists()),
            kwargs,
        ],
        default=str,
    )
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def _matches(request, etag):
    """If-None-Match names this ETag (weak comparison, as RFC 9110 says for GET) or is "*"."""
    header = request.META.get("HTTP_IF_NONE_MATCH", "")
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
    return etag in tags or "*" in tags


def _with(response, etag, language):
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={settings.NARA_API_MAX_AGE}"
    response["Content-Language"] = language
    patch_vary_headers(response, ["Accept-Language"])
    return response
