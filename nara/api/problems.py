"""Every API error as an RFC 9457 problem document (application/problem+json).

{type, title, status, detail, instance}, plus `errors` ({field: [messages]}) when the input was
invalid. The title and detail are in the request's language, which the API takes from the
Accept-Language header alone (not the site's language cookie), so a response depends only on
its URL and that header. Used by REST framework (REST_FRAMEWORK["EXCEPTION_HANDLER"]) and by
the site's 404 and 500 handlers for paths under /api/.
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
    429: gettext_lazy("Too many requests"),
    500: gettext_lazy("Server error"),
}
# A type URI per kind of problem: stable names clients can branch on.
TYPE_PREFIX = "urn:nara:problem:"


def problem(request, status_code, detail, code=None, errors=None, headers=None):
    """A problem document as a plain Django response (also outside REST framework)."""
    with translation.override(api_language(request)):
        body = {
            "type": TYPE_PREFIX + (code or _default_code(status_code)),
            "title": str(TITLES.get(status_code, _("Error"))),
            "status": status_code,
            "detail": str(detail),
            "instance": request.get_full_path(),
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
        415: "unsupported-media-type",
        429: "throttled",
        500: "server-error",
    }.get(status_code, "error")


def exception_handler(exc, context):
    """REST framework's EXCEPTION_HANDLER: APIException, Http404 and PermissionDenied as
    problem documents; anything else is left to Django (a 500)."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
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
    """A one-line detail; for invalid input also the messages per field."""
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(exc.detail, dict):
            errors = {key: _messages(value) for key, value in exc.detail.items()}
            first = next(iter(errors.items()), None)
            detail = f"{first[0]}: {first[1][0]}" if first and first[1] else _("Invalid input.")
            return detail, errors
        messages = _messages(exc.detail)
        return (messages[0] if messages else _("Invalid input.")), None
    if isinstance(exc, exceptions.MethodNotAllowed):
        return _("This address does not accept that method."), None
    if isinstance(exc, exceptions.ParseError):
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
