"""Staff URLs for residents' feedback after visits (in the workspace namespace)."""

from django.urls import path

from . import feedback_views

urlpatterns = [
    path("feedback/visits/", feedback_views.visit_feedback, name="visit-feedback"),
    path(
        "feedback/visits/moderation/",
        feedback_views.moderation,
        name="visit-feedback-moderation",
    ),
    path(
        "centres/<int:pk>/feedback-qr/",
        feedback_views.feedback_poster,
        name="centre-feedback-qr",
    ),
    path(
        "centres/<int:pk>/feedback-qr.svg",
        feedback_views.feedback_qr_svg,
        name="centre-feedback-qr-svg",
    ),
    path(
        "centres/<int:pk>/feedback-qr.png",
        feedback_views.feedback_qr_png,
        name="centre-feedback-qr-png",
    ),
]
