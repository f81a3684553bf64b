from django.urls import path

from . import views

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
]
