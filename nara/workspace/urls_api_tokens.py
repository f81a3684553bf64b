"""The administrator's partner API pages: tokens and webhooks (api_token_views.py)."""

from django.urls import path

from . import api_token_views as views

urlpatterns = [
    path("api-tokens/", views.token_list, name="api-tokens"),
    path("api-tokens/new/", views.token_new, name="api-token-new"),
    path("api-tokens/<int:pk>/revoke/", views.token_revoke, name="api-token-revoke"),
    path("api-tokens/partners/<int:pk>/webhook/", views.webhook, name="api-webhook"),
]
