"""Households: own centres only, full documentation only, every read audited per member."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from nara.core import access
from nara.core.actions.contacts import visits_without_contact
from nara.core.actions.households import (
    HouseholdRefused,
    do_add_member,
    do_create_household,
    do_remove_member,
    do_set_household_legal_hold,
    record_household_view,
)
from nara.core.actions.offers import offers_about
from nara.core.models import CENTRE_ROLES, Household, HouseholdMember

from .decorators import staff_view
from .forms import refuse_identity_number

# Words for people in a household ("partner" elsewhere means a partner organisation).
RELATIONSHIPS = {
    HouseholdMember.Relationship.PARENT: pgettext_lazy("household relationship", "parent"),
    HouseholdMember.Relationship.CHILD: pgettext_lazy("household relationship", "child"),
    HouseholdMember.Relationship.PARTNER: pgettext_lazy("household relationship", "partner"),
    HouseholdMember.Relationship.OTHER: pgettext_lazy("household relationship", "other"),
}


def with_relationship_words(members):
    members = list(members)
    for member in members:
        member.relationship_word = RELATIONSHIPS.get(member.relationship, member.relationship)
    return members


class HouseholdForm(forms.Form):
    center = forms.ModelChoiceField(queryset=None, label=_("Centre"))
    name = forms.CharField(
        label=_("Name of the household"),
        help_text=_("For example the family name."),
        max_length=80,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = access.casework_centres(user)

    def clean_name(self):
        return refuse_identity_number(self, "name")


class MemberForm(forms.Form):
    household = forms.ModelChoiceField(queryset=None, label=_("Household"))
    relationship = forms.ChoiceField(label=_("Relationship"), choices=list(RELATIONSHIPS.items()))

    def __init__(self, *args, centre_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = Household.objects.filter(center_id=centre_id).order_by(
            "name"
        )


@staff_view(*CENTRE_ROLES)
def household_list(request):
    households = (
        # Own centres only: another centre's households (family names) are reached through
        # emergency access one at a time, with a reason, never listed.
        Household.objects.filter(center_id__in=access.centre_ids(request.user))
        .select_related("center")
        .order_by("center__name", "name")
    )
    return render(request, "workspace/casework/household_list.html", {"households": households})


@staff_view(*CENTRE_ROLES)
def household_create(request):
    form = HouseholdForm(request.POST or None, user=request.user)
    refused = ""
    if request.method == "POST" and form.is_valid():
        centre = access.get_own_centre(request.user, form.cleaned_data["center"].pk)
        try:
            household = do_create_household(
                actor=request.user, center=centre, name=form.cleaned_data["name"]
            )
        except HouseholdRefused as exc:
            refused = str(exc)
        else:
            return redirect("workspace:household", household.pk)
    status = 400 if form.is_bound else 200
    context = {"form": form, "refused": refused}
    return render(request, "workspace/casework/household_form.html", context, status=status)


@staff_view(*CENTRE_ROLES)
def household_detail(request, pk):
    from .journal_views import emergency_reason  # journal_views imports this module

    household = access.get_casework_object(request.user, Household, pk)
    reason, asking = emergency_reason(request, household)
    if asking is not None:
        return asking
    members = with_relationship_words(
        household.members.select_related("person").order_by("relationship", "person__first_name")
    )
    record_household_view(
        actor=request.user,
        household=household,
        members=members,
        flags=access.casework_flags(request.user, household),
        reason=reason,
    )
    can_write = household.center_id in access.centre_ids(request.user)  # emergency: read only
    context = {
        "household": household,
        "members": members,
        "can_write": can_write,
        "contacts": household.contacts.select_related("service").order_by("-occurred_on", "-pk"),
        "offers": offers_about(household=household),
        "visits": visits_without_contact(household.center) if can_write else [],
    }
    return render(request, "workspace/casework/household_detail.html", context)


@staff_view(*CENTRE_ROLES)
@require_POST
def person_household_add(request, pk):
    """Add this person (pk is the person's) to a household of their centre."""
    person = access.check_own_person(request.user, pk)
    form = MemberForm(request.POST, centre_id=person.center_id)
    if not form.is_valid():
        messages.error(request, _("Choose a household and how the person belongs to it."))
        return redirect("workspace:person", person.pk)
    household = access.get_own_casework_object(
        request.user, Household, form.cleaned_data["household"].pk
    )
    try:
        do_add_member(
            actor=request.user,
            household=household,
            person=person,
            relationship=form.cleaned_data["relationship"],
        )
    except HouseholdRefused as exc:
        messages.error(request, str(exc))
        return redirect("workspace:person", person.pk)
    messages.success(request, _("The person was added to the household."))
    return redirect("workspace:household", household.pk)


@staff_view(*CENTRE_ROLES)
@require_POST
def household_member_remove(request, pk):
    member = HouseholdMember.objects.filter(pk=pk).select_related("household").first()
    if member is None:
        raise PermissionDenied
    household = access.get_own_casework_object(request.user, Household, member.household_id)
    do_remove_member(actor=request.user, member=member)
    messages.success(request, _("The person was removed from the household."))
    return redirect("workspace:household", household.pk)


@staff_view(*CENTRE_ROLES)
@require_POST
def household_legal_hold(request, pk):
    household = access.get_own_casework_object(request.user, Household, pk)
    on = request.POST.get("on") == "1"
    do_set_household_legal_hold(actor=request.user, household=household, on=on)
    messages.success(request, _("Saved."))
    return redirect("workspace:household", household.pk)
