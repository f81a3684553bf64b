from django.urls import path

from . import booking_views, feedback_views, statistics_views, views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("find/", views.find, name="find"),
    path("find/location/", views.find_by_location, name="find-location"),
    path("areas/", views.area_list, name="areas"),
    path("centres/", views.center_list, name="centers"),
    path("centres/<slug:slug>/", views.center_detail, name="center"),
    path("centres/<slug:slug>/map.svg", views.center_map, name="center-map"),
    path("help/", views.topic_list, name="topics"),
    path("help/<slug:slug>/", views.topic_detail, name="topic"),
    path("myths-and-facts/", views.myths, name="myths"),
    path("feedback/", views.feedback, name="feedback"),
    path("centres/<slug:slug>/book/", booking_views.book, name="book"),
    path("centres/<slug:slug>/call-me/", booking_views.callback, name="callback"),
    path("centres/<slug:slug>/ask/", booking_views.question, name="question"),
    path("centres/<slug:slug>/feedback/", feedback_views.centre_feedback, name="centre-feedback"),
    path("booking/", booking_views.booking_by_code, name="booking-code"),
    path("booking/manage/", booking_views.booking, name="booking"),
    path("booking/manage/cancel/", booking_views.booking_cancel, name="booking-cancel"),
    path("booking/manage/rebook/", booking_views.booking_rebook, name="booking-rebook"),
    path("booking/manage/feedback/", feedback_views.booking_feedback, name="booking-feedback"),
    path("booking/<str:token>/", booking_views.old_private_link),
    path("answers/", booking_views.answers, name="answers"),
    path("statistics/", statistics_views.statistics, name="statistics"),
    path(
        "statistics/centres/<slug:slug>/",
        statistics_views.statistics_centre,
        name="statistics-centre",
    ),
    path("statistics/areas/<str:code>/", statistics_views.statistics_area, name="statistics-area"),
]
