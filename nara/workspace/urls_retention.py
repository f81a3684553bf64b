"""Staff URLs for casework: retention (in the workspace namespace)."""

from django.urls import path

from . import retention_views

urlpatterns = [
    path("retention/", retention_views.retention, name="retention"),
]
