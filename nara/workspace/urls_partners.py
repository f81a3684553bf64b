"""The directory of partners and their services, and the legal bases for sharing."""

from django.urls import path

from . import directory_views as views

urlpatterns = [
    path("partners/", views.partner_directory, name="partners"),
    path("partners/new/", views.partner_create, name="partner-new"),
    path("partners/<int:pk>/", views.partner_detail, name="partner"),
    path("partners/<int:pk>/edit/", views.partner_edit, name="partner-edit"),
    path("partners/<int:pk>/services/new/", views.service_create, name="partner-service-new"),
    path("partner-services/<int:pk>/", views.service_edit, name="partner-service"),
    path(
        "partner-services/<int:pk>/capacity/",
        views.service_capacity,
        name="partner-service-capacity",
    ),
    path("partner-services/<int:pk>/hours/new/", views.hours_create, name="partner-hours-new"),
    path("partner-hours/<int:pk>/", views.hours_edit, name="partner-hours"),
    path("partner-hours/<int:pk>/delete/", views.hours_delete, name="partner-hours-delete"),
    path("legal-bases/", views.legal_bases, name="legal-bases"),
    path("legal-bases/new/", views.legal_basis_create, name="legal-basis-new"),
    path("legal-bases/<int:pk>/", views.legal_basis_edit, name="legal-basis"),
]
