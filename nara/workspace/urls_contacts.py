"""Staff URLs for casework: contacts (in the workspace namespace)."""

from django.urls import path

from . import contact_views as views

urlpatterns = [
    path("centres/<int:pk>/contacts/new/", views.contact_new, name="contact-new"),
    path("centres/<int:pk>/headcount/", views.headcount, name="dropin-headcount"),
    path("centres/<int:pk>/offers/", views.centre_offers, name="centre-offers"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
    path("contacts/<int:pk>/offer/", views.contact_offer, name="contact-offer"),
    path("offers/<int:pk>/", views.offer_detail, name="offer"),
]
