"""Staff URLs for outgoing referrals from the centre's side (workspace namespace)."""

from django.urls import path

from . import referral_settings_views as settings_views
from . import referral_views as views

urlpatterns = [
    path("people/<int:pk>/refer/", views.refer_person, name="person-refer"),
    path("households/<int:pk>/refer/", views.refer_household, name="household-refer"),
    path("aliases/<int:pk>/refer/", views.refer_alias, name="alias-refer"),
    path("contacts/<int:pk>/refer/", views.refer_contact, name="contact-refer"),
    path("referrals/", views.referral_list, name="referrals"),
    path("referrals/settings/", settings_views.referral_settings, name="referral-settings"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral"),
    path("referrals/<int:pk>/status/", views.referral_status, name="referral-status"),
    path("referrals/<int:pk>/meeting/", views.referral_meeting, name="referral-meeting"),
]
