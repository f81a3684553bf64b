"""Identified people: only for social workers and managers of the person's centre.

Personnummer is posted, never put in a URL; every view is audited (with a reason where the
person has a protected identity or is reached through emergency access).
"""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nara.core import access
from nara.core.actions.people import DuplicatePerson, do_create_person, find_by_personnummer
from nara.core.models import CENTRE_ROLES
from nara.lib.personnummer import InvalidPersonnummer, normalise

from .decorators import staff_view

PNR_ERRORS = {
    "format": gettext_lazy("Write the personal identity number as YYYYMMDD-NNNN."),
    "checksum": gettext_lazy("The check digit is wrong; check the number."),
    "date": gettext_lazy("The date in the number does not exist."),
}


class PersonnummerField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return normalise(value)
        except InvalidPersonnummer as exc:
            raise forms.ValidationError(PNR_ERRORS[str(exc)]) from None


class SearchForm(forms.Form):
    pnr = PersonnummerField(label=gettext_lazy("Personal identity number"), max_length=13)


class PersonForm(forms.Form):
    center = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Centre"))
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=60)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=60)
    pnr = PersonnummerField(
        label=gettext_lazy("Personal identity number"), max_length=13, required=False
    )
    address = forms.CharField(label=gettext_lazy("Address"), max_length=200, required=False)
    protected_identity = forms.BooleanField(
        label=gettext_lazy("Protected identity"), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = access.visible_centres(user).filter(
            pk__in=access.centre_ids(user)
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you need to see this person?"),
        min_length=10,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@staff_view(*CENTRE_ROLES)
def people_search(request):
    form = SearchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = find_by_personnummer(form.cleaned_data["pnr"])
        if person is None or not access.person_access(request.user, person)[0]:
            # Same answer whether the person exists elsewhere or not: existence is secret too.
            messages.info(request, _("No person with that number at your centres."))
        else:
            return redirect("workspace:person", person.pk)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "workspace/people_search.html", {"form": form}, status=status)


@staff_view(*CENTRE_ROLES)
def person_create(request):
    form = PersonForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = do_create_person(
                actor=request.user,
                center=data["center"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                pnr=data["pnr"],
                address=data["address"],
                protected_identity=data["protected_identity"],
            )
        except DuplicatePerson:
            form.add_error("pnr", _("A person with this number is already registered."))
        else:
            return redirect("workspace:person", person.pk)
    status = 400 if form.is_bound else 200
    return render(request, "workspace/person_form.html", {"form": form}, status=status)


@staff_view(*CENTRE_ROLES)
def person_detail(request, pk):
    reason = ""
    if access.person_needs_reason(request.user, pk):
        form = ReasonForm(request.POST or None)
        if not (request.method == "POST" and form.is_valid()):
            # Nothing about the person is shown before the reason is given.
            status = 400 if form.is_bound else 200
            return render(request, "workspace/person_reason.html", {"form": form}, status=status)
        reason = form.cleaned_data["reason"]
    person = access.view_person(request.user, pk, reason=reason)
    return render(request, "workspace/person_detail.html", {"person": person})
