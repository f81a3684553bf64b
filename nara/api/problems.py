"""Every API error as an RFC 9457 problem document (application/problem+json), from here alone:
the directory, the open statistics and the partner API.

{type, title, status, detail, instance, code}, plus `errors` when the input was invalid: the
messages per field, nested fields as dotted paths ({"family.name": [...], "items.0.id": [...]}).
`type` is "urn:nara:problem:" + `code`, a stable name clients can branch on ("invalid",
"not-found", "conflict", "throttled", …). The title and detail are in the request's language,
which the API takes from the Accept-Language header alone (not the site's language cookie), so
a response depends only on its URL and that header. Used by REST framework
(REST_FRAMEWORK["EXCEPTION_HANDLER"], also for the partner views) and by the site's 404 and 500
handlers for paths under /api/. The limits on what is read are in limits.py.
"""

import json

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.views import set_rollback

from .language import api_language

CONTENT_TYPE = "application/problem+json"
API_PREFIX = "/api/"

TITLES = {
    400: gettext_lazy("Invalid request"),
    401: gettext_lazy("Not signed in"),
    403: gettext_lazy("Not allowed"),
    404: gettext_lazy("Not found"),
    405: gettext_lazy("Method not allowed"),
    406: gettext_lazy("Format not available"),
    409: gettext_lazy("Conflict"),
    413: gettext_lazy("Request too large"),
    415: gettext_lazy("Unsupported media type"),
    422: gettext_lazy("Cannot be done"),
    429: gettext_lazy("Too many requests"),
    500: gettext_lazy("Server error"),
}
# A type URI per kind of problem: stable names clients can branch on.
TYPE_PREFIX = "urn:nara:problem:"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    """Well-formed input the rules refuse (a consent for another centre, a decline without a
    reason); the detail may be {field: [messages]}, shown as `errors`."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "refused"


def problem(request, status_code, detail, code=None, errors=None, headers=None):
    """A problem document as a plain Django response (also outside REST framework)."""
    code = code or _default_code(status_code)
    with translation.override(api_language(request)):
        body = {
            "type": TYPE_PREFIX + code,
            "title": str(TITLES.get(status_code, _("Error"))),
            "status": status_code,
            "detail": str(detail),
            "instance": request.get_full_path(),
            "code": code,
        }
        if errors:
            body["errors"] = {key: [str(m) for m in msgs] for key, msgs in errors.items()}
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status_code, content_type=CONTENT_TYPE
    )
    response["Content-Language"] = api_language(request)
    response["Vary"] = "Accept-Language"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _default_code(status_code):
    return {
        400: "invalid",
        401: "not-authenticated",
        403: "permission-denied",
        404: "not-found",
        405: "method-not-allowed",
        406: "not-acceptable",
        409: "conflict",
        413: "body-too-large",
        415: "unsupported-media-type",
        422: "refused",
        429: "throttled",
        500: "server-error",
    }.get(status_code, "error")


def exception_handler(exc, context):
    """REST framework's EXCEPTION_HANDLER: APIException, Http404 and PermissionDenied as
    problem documents; anything else is left to Django (a 500)."""
    if isinstance(exc, Http404):
        # A view's own words ("No referral with this id is addressed to you") are kept.
        exc = exceptions.NotFound(str(exc)) if exc.args else exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    request = context["request"]
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    with translation.override(api_language(request)):
        detail, errors = _detail_and_errors(exc)
    set_rollback()
    code = str(exc.default_code).replace("_", "-")
    return problem(request, exc.status_code, detail, code=code, errors=errors, headers=headers)


def _detail_and_errors(exc):
    """A one-line detail; for invalid input also the messages per (dotted) field."""
    if isinstance(exc.detail, dict):
        errors = flatten(exc.detail)
        first = next(iter(errors.items()), None)
        detail = f"{first[0]}: {first[1][0]}" if first and first[1] else _("Invalid input.")
        return detail, errors
    if isinstance(exc.detail, list):
        messages = _messages(exc.detail)
        return (messages[0] if messages else _("Invalid input.")), None
    if isinstance(exc, exceptions.MethodNotAllowed):
        return _("This address does not accept that method."), None
    if isinstance(exc, exceptions.ParseError):
        if str(exc.detail) != str(exc.default_detail):
            return str(exc.detail), None  # our parser's own words (limits.py)
        return _("The request body could not be read: %(reason)s") % {"reason": exc.detail}, None
    if isinstance(exc, exceptions.Throttled):
        if exc.wait:
            return _("Too many requests. Try again in %(seconds)d seconds.") % {
                "seconds": exc.wait
            }, None
        return _("Too many requests. Try again later."), None
    if isinstance(exc, exceptions.NotFound):
        return _detail_text(exc, _("Nothing was found at this address.")), None
    return _detail_text(exc, str(exc.default_detail)), None


def _detail_text(exc, fallback):
    text = exc.detail if isinstance(exc.detail, str) else ""
    # REST framework's own default words are replaced by ours; a view's own message is kept.
    return str(text) if text and str(text) != str(exc.default_detail) else str(fallback)


def flatten(detail, prefix=""):
    """REST framework's nested errors as {dotted.path: [messages]}: {"family": {"name": [m]}}
    → {"family.name": [m]}, an item of a list by its index ("items.0.id"). Messages that
    belong to no field are under "non_field_errors"."""
    errors = {}

    def put(path, message):
        errors.setdefault(path or "non_field_errors", []).append(str(message))

    def walk(value, path):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                if isinstance(inner, (dict, list)):
                    walk(inner, f"{path}.{index}" if path else str(index))
                else:
                    put(path, inner)
        else:
            put(path, value)

    walk(detail, prefix)
    return errors


def _messages(value):
    if isinstance(value, dict):
        return [f"{k}: {m}" for k, v in value.items() for m in _messages(v)]
    if isinstance(value, list):
        return [m for item in value for m in _messages(item)]
    return [str(value)]


def is_api_request(request):
    return request.path.startswith(API_PREFIX)


def not_found(request):
    """The site's 404 for an address under /api/ that no view matched."""
    return problem(request, status.HTTP_404_NOT_FOUND, _("Nothing was found at this address."))


def server_error(request):
    return problem(
        request,
        status.HTTP_500_INTERNAL_SERVER_ERROR,
        _("Something went wrong on our side. Please try again later."),
    )
