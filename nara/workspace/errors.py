"""Error pages: staff paths get the staff layout, not the resident one with its feedback form;
API paths get a problem document (nara.api.problems)."""

from django.shortcuts import render
from django.views import defaults

from nara.api import problems

STAFF_PREFIX = "/staff/"


def _template(request, name):
    return f"workspace/{name}" if request.path.startswith(STAFF_PREFIX) else name


def permission_denied(request, exception):
    return defaults.permission_denied(request, exception, _template(request, "403.html"))


def page_not_found(request, exception):
    if problems.is_api_request(request):
        return problems.not_found(request)
    return defaults.page_not_found(request, exception, _template(request, "404.html"))


def server_error(request):
    if problems.is_api_request(request):
        return problems.server_error(request)
    return defaults.server_error(request)


def method_not_allowed(request, response):
    """Django answers a GET on an address that takes only a form's POST (require_POST) with
    an empty 405: a blank page. Pages get a page that says what happened; the API keeps its
    problem documents. The status and the Allow header stay."""
    if (
        response.status_code != 405
        or response.streaming
        or response.content
        or problems.is_api_request(request)
    ):
        return response
    page = render(request, _template(request, "405.html"), status=405)
    page["Allow"] = response["Allow"]
    return page
