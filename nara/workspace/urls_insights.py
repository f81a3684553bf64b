"""Insights dashboards (nara/insights/dashboard_views.py), under /staff/insights/."""

from django.urls import path

from nara.insights import dashboard_views as views

urlpatterns = [
    path("insights/", views.insights, name="insights"),
    path("insights/centres/<int:pk>/", views.insights_centre, name="insights-centre"),
    path("insights/areas/<int:pk>/", views.insights_area, name="insights-area"),
    path("insights/export/", views.insights_export, name="insights-export"),
    path("insights/kolada.csv", views.insights_kolada, name="insights-kolada"),
]
