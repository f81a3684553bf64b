"""Staff URLs of the before/after evaluation (in the workspace namespace)."""

from django.urls import path

from nara.evaluation import views

urlpatterns = [
    path("insights/evaluations/", views.evaluation_list, name="evaluations"),
    path("insights/evaluations/new/", views.evaluation_new, name="evaluation-new"),
    path("insights/evaluations/<int:pk>/", views.evaluation_detail, name="evaluation"),
    path("insights/outcomes/", views.outcome_import, name="outcome-import"),
]
