"""The open statistics (/api/v1/statistics): nara/api/statistics_views.py."""

from django.urls import path

from . import statistics_views as views

urlpatterns = [
    path("v1/statistics", views.statistics, name="statistics"),
    path("v1/statistics/centres/<slug:slug>", views.statistics_centre, name="statistics-centre"),
    path("v1/statistics/areas/<str:code>", views.statistics_area, name="statistics-area"),
]
