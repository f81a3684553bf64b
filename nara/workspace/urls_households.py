"""Staff URLs for casework: people's identity, households and aliases (workspace namespace)."""

from django.urls import path

from . import alias_views, household_views, people_views

urlpatterns = [
    path("people/<int:pk>/identity/", people_views.person_identity, name="person-identity"),
    path(
        "people/<int:pk>/contact-details/",
        people_views.person_contact_details,
        name="person-contact-details",
    ),
    path("people/<int:pk>/legal-hold/", people_views.person_legal_hold, name="person-legal-hold"),
    path("people/<int:pk>/link-alias/", alias_views.alias_link, name="person-alias-link"),
    path(
        "people/<int:pk>/household/",
        household_views.person_household_add,
        name="person-household-add",
    ),
    path("households/", household_views.household_list, name="households"),
    path("households/new/", household_views.household_create, name="household-new"),
    path("households/<int:pk>/", household_views.household_detail, name="household"),
    path(
        "households/members/<int:pk>/remove/",
        household_views.household_member_remove,
        name="household-member-remove",
    ),
    path(
        "households/<int:pk>/legal-hold/",
        household_views.household_legal_hold,
        name="household-legal-hold",
    ),
    path("aliases/", alias_views.alias_list, name="aliases"),
    path("aliases/<int:pk>/", alias_views.alias_detail, name="alias"),
    path("aliases/<int:pk>/unlink/", alias_views.alias_unlink, name="alias-unlink"),
]
