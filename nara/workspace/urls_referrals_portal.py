"""Staff URLs for the partner portal and the centres' referrals from partners."""

from django.urls import path

from . import incoming_views, portal_views

urlpatterns = [
    path("portal/", portal_views.portal, name="portal"),
    path("portal/referrals/<int:pk>/", portal_views.referral_detail, name="portal-referral"),
    path(
        "portal/referrals/<int:pk>/status/",
        portal_views.referral_status,
        name="portal-referral-status",
    ),
    path("portal/send/", portal_views.incoming_new, name="portal-send"),
    path("portal/sent/<int:pk>/", portal_views.sent_detail, name="portal-sent"),
    path("portal/sent/<int:pk>/withdraw/", portal_views.sent_withdraw, name="portal-sent-withdraw"),
    path("incoming/", incoming_views.incoming_list, name="incoming-list"),
    path("incoming/<int:pk>/", incoming_views.incoming_detail, name="incoming"),
    path("incoming/<int:pk>/status/", incoming_views.incoming_status, name="incoming-status"),
    path("incoming/<int:pk>/link/", incoming_views.incoming_link, name="incoming-link"),
]
