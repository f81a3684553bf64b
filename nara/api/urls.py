"""The API under /api/: the public HSDS directory and statistics, and partner referrals."""

from django.urls import include, path

app_name = "api"
urlpatterns = [
    path("", include("nara.api.urls_directory")),
    path("", include("nara.api.urls_statistics")),
    path("", include("nara.api.urls_partners")),
]
