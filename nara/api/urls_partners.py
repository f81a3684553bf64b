"""The partner API (authenticated with per-organisation tokens): nara/api/partner_views.py."""

from django.urls import path

from . import partner_views as views

urlpatterns = [
    path(
        "v1/partner/referrals/",
        views.ReferralCollection.as_view(),
        name="partner-referrals",
    ),
    path(
        "v1/partner/referrals/<int:pk>/",
        views.ReferralItem.as_view(),
        name="partner-referral",
    ),
    path(
        "v1/partner/referrals/<int:pk>/status/",
        views.ReferralStatusChange.as_view(),
        name="partner-referral-status",
    ),
]
