"""Planning URLs, included under /staff/planning/ in the workspace namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.need, name="planning"),
    path("sites/", views.sites, name="planning-sites"),
    path("scenarios/", views.scenario_list, name="planning-scenarios"),
    path("scenarios/new/", views.scenario_new, name="planning-scenario-new"),
    path("scenarios/<int:pk>/", views.scenario_detail, name="planning-scenario"),
    path("scenarios/<int:pk>/print/", views.scenario_print, name="planning-scenario-print"),
    path("scenarios/<int:pk>/rerun/", views.scenario_rerun, name="planning-scenario-rerun"),
    path("scenarios/<int:pk>/apply/", views.scenario_apply, name="planning-scenario-apply"),
    path("scenarios/<int:pk>/delete/", views.scenario_delete, name="planning-scenario-delete"),
    path("compare/", views.compare, name="planning-compare"),
    path("export.csv", views.export_csv, name="planning-export-csv"),
    path("export.xlsx", views.export_xlsx, name="planning-export-xlsx"),
]
