"""Errors of the partner API as RFC 9457 problem documents (application/problem+json), and a
JSON parser that refuses what the API never needs: bodies over NARA_API_MAX_BODY_BYTES,
duplicate keys, NaN and Infinity.

The partner views use `problem_handler` as their exception handler (APIView's
get_exception_handler); the project-wide handler in nara/api/problems.py can replace it.
"""

import json

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import set_rollback

PROBLEM_TYPE = "application/problem+json"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "refused"


def max_body_bytes():
    return int(getattr(settings, "NARA_API_MAX_BODY_BYTES", 64 * 1024))


def body_too_large():
    return PayloadTooLarge(
        _("The body is larger than %(limit)d bytes. Nothing was changed.")
        % {"limit": max_body_bytes()}
    )


def _no_duplicates(pairs):
    keys = [key for key, _value in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key")
    return dict(pairs)


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


class LimitedJSONParser(JSONParser):
    """Reads at most the limit (and one byte more, to notice a larger body)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = max_body_bytes()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise body_too_large()
        try:
            return json.loads(
                raw.decode("utf-8"),
                object_pairs_hook=_no_duplicates,
                parse_constant=_no_constant,
            )
        except (ValueError, UnicodeDecodeError):
            raise exceptions.ParseError(
                _("The body is not valid JSON (UTF-8, no repeated keys). Nothing was changed.")
            ) from None


TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
}


def problem_response(status_code, detail, *, code="", errors=None, headers=None):
    body = {
        "type": "about:blank",
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": str(detail),
    }
    if code:
        body["code"] = code
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_TYPE)


def problem_handler(exc, context):
    """DRF exception → problem document; None (a 500) for anything else."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if exc.args else _("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    detail, errors = exc.detail, None
    if isinstance(detail, (list, dict)):
        errors = _plain(detail)
        detail = _("Some fields are wrong or missing; see errors. Nothing was changed.")
    elif isinstance(exc, exceptions.Throttled):
        detail = _("Too many calls. Wait %(seconds)d seconds and try again.") % {
            "seconds": exc.wait or 1
        }
    set_rollback()
    code = getattr(exc.detail, "code", None) or exc.default_code
    return problem_response(exc.status_code, detail, code=code, errors=errors, headers=headers)


def _plain(detail):
    if isinstance(detail, dict):
        return {str(key): _plain(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_plain(value) for value in detail]
    return str(detail)
