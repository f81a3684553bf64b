"""Error pages: staff paths get the staff layout, not the resident one with its feedback form."""

from django.views import defaults

STAFF_PREFIX = "/staff/"


def _template(request, name):
    return f"workspace/{name}" if request.path.startswith(STAFF_PREFIX) else name


def permission_denied(request, exception):
    return defaults.permission_denied(request, exception, _template(request, "403.html"))


def page_not_found(request, exception):
    return defaults.page_not_found(request, exception, _template(request, "404.html"))
