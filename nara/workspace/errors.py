"""Error pages: staff paths get the staff layout, not the resident one with its feedback form;
API paths get a problem document (nara.api.problems)."""

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
