"""Insights dashboards (nara/insights/dashboard_views.py) and the committee report
(nara/insights/report_views.py), under /staff/insights/."""

from django.urls import path

from nara.insights import dashboard_views as views
from nara.insights import report_views

urlpatterns = [
    path("insights/", views.insights, name="insights"),
    path("insights/centres/<int:pk>/", views.insights_centre, name="insights-centre"),
    path("insights/areas/<int:pk>/", views.insights_area, name="insights-area"),
    path("insights/export/", views.insights_export, name="insights-export"),
    path("insights/kolada.csv", views.insights_kolada, name="insights-kolada"),
    path("insights/report/", report_views.insights_report, name="insights-report"),
    path("insights/report.pdf", report_views.insights_report_pdf, name="insights-report-pdf"),
]
