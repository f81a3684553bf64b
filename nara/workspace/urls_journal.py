"""Staff URLs for casework: consent, journal and escalation (in the workspace namespace)."""

from django.urls import path

from . import journal_views as views

urlpatterns = [
    path("people/<int:pk>/journal/", views.person_journal, name="journal"),
    path("households/<int:pk>/journal/", views.household_journal, name="household-journal"),
    path("journal/<int:pk>/correct/", views.journal_correct, name="journal-correct"),
    path("people/<int:pk>/consents/", views.person_consents, name="consents"),
    path("people/<int:pk>/consents/new/", views.person_consent_new, name="consent-new"),
    path("households/<int:pk>/consents/", views.household_consents, name="household-consents"),
    path(
        "households/<int:pk>/consents/new/",
        views.household_consent_new,
        name="household-consent-new",
    ),
    path("consents/<int:pk>/withdraw/", views.consent_withdraw, name="consent-withdraw"),
    path("people/<int:pk>/escalate/", views.escalate_person, name="escalate-person"),
    path("contacts/<int:pk>/escalate/", views.escalate_contact, name="escalate-contact"),
    path("escalations/<int:pk>/", views.escalation_detail, name="escalation"),
]
