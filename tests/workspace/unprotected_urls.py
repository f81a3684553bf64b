"""A URL configuration with one view that nobody gave an access rule (for the matrix test)."""

from django.http import HttpResponse
from django.urls import include, path

from nara.urls import urlpatterns as project_urls


def forgotten(request):
    return HttpResponse("secret")


urlpatterns = [
    *project_urls,
    path("staff/forgotten/", include(([path("", forgotten, name="forgotten")], "workspace"))),
]
