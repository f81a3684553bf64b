"""Identified people: only for social workers and managers of the person's centre.

Personnummer is posted, never put in a URL nor written back into a page; every search and view
is audited (with a reason where the person has a protected identity or is reached through
emergency access). Whether a number is registered at another centre is never told: search and
registration give the same neutral answer and point to emergency access, the logged way in.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from nara.core import access
from nara.core.actions.contacts import visits_without_contact
from nara.core.actions.offers import offers_about
from nara.core.actions.people import (
    DuplicatePerson,
    IdentityNotReplaced,
    NumberTaken,
    PossibleDuplicate,
    do_create_person,
    do_record_duplicate_attempt,
    do_replace_identity,
    do_set_person_legal_hold,
    do_update_contact_details,
    find_by_name,
    find_by_personnummer,
    record_search,
)
from nara.core.models import CENTRE_ROLES, Alias, HouseholdMember
from nara.lib.languages import SPOKEN_LANGUAGES
from nara.lib.personnummer import InvalidPersonnummer, classify

from .alias_views import LinkForm
from .decorators import staff_view
from .household_views import MemberForm, with_relationship_words

PNR_ERRORS = {
    "format": gettext_lazy("Write the personal identity number as YYYYMMDD-NNNN."),
    "digits": gettext_lazy("Write the personal identity number with the digits 0–9."),
    "checksum": gettext_lazy("The check digit is wrong; check the number."),
    "date": gettext_lazy("The date in the number does not exist."),
    "reserve_format": gettext_lazy("Write the personal identity number as YYYYMMDD-NNNN."),
    "reserve_is_date": gettext_lazy("The date in the number does not exist."),
}


class NoEchoInput(forms.TextInput):
    """A text field that never writes what was typed back into the page."""

    def format_value(self, value):
        return None


class PersonnummerField(forms.CharField):
    widget = NoEchoInput(attrs={"autocomplete": "off", "inputmode": "numeric"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return classify(value)[1]
        except InvalidPersonnummer as exc:
            raise forms.ValidationError(PNR_ERRORS[str(exc)]) from None


DATE_INPUT = forms.DateInput(attrs={"type": "date"})


IDENTITY_NUMBER = gettext_lazy("Personal identity, coordination or reserve number")


class SearchForm(forms.Form):
    pnr = PersonnummerField(label=IDENTITY_NUMBER, max_length=20)


class NameSearchForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=130, required=False)
    birth_date = forms.DateField(
        label=gettext_lazy("Date of birth"), required=False, widget=DATE_INPUT
    )

    def clean(self):
        data = super().clean()
        if not self.errors and len(data.get("name", "").strip()) < 2 and not data.get("birth_date"):
            raise forms.ValidationError(
                gettext_lazy("Write at least two letters of the name, or a date of birth.")
            )
        return data


class PersonForm(forms.Form):
    center = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Centre"))
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=60)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=60)
    pnr = PersonnummerField(
        label=IDENTITY_NUMBER,
        help_text=gettext_lazy("A reserve number is saved as a temporary identity."),
        max_length=20,
        required=False,
    )
    local_identity = forms.BooleanField(
        label=gettext_lazy("No number: give a temporary identity of the municipality"),
        required=False,
    )
    birth_date = forms.DateField(
        label=gettext_lazy("Date of birth"),
        help_text=gettext_lazy("Only when there is no personal identity number."),
        required=False,
        widget=DATE_INPUT,
    )
    address = forms.CharField(label=gettext_lazy("Address"), max_length=200, required=False)
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=120, required=False)
    preferred_language = forms.ChoiceField(
        label=gettext_lazy("Preferred language"),
        choices=[("", "–")] + list(SPOKEN_LANGUAGES.items()),
        required=False,
    )
    protected_identity = forms.BooleanField(
        label=gettext_lazy("Protected identity"),
        help_text=gettext_lazy("Address and contact details are then hidden on every page."),
        required=False,
    )
    different_person_reason = forms.CharField(
        label=gettext_lazy("Why is this a different person?"),
        min_length=10,
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, user, asking_reason=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = access.visible_centres(user).filter(
            pk__in=access.centre_ids(user)
        )
        if not asking_reason:
            del self.fields["different_person_reason"]

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and not all(char.isdigit() or char in "+- ()" for char in phone):
            raise forms.ValidationError(gettext_lazy("Write the phone number with digits only."))
        return phone

    def clean(self):
        data = super().clean()
        if data.get("pnr") and data.get("local_identity"):
            raise forms.ValidationError(
                gettext_lazy("Give either a number or a temporary identity, not both.")
            )
        return data


class ContactDetailsForm(forms.Form):
    address = forms.CharField(label=gettext_lazy("Address"), max_length=200, required=False)
    phone = PersonForm.base_fields["phone"]
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=120, required=False)
    preferred_language = PersonForm.base_fields["preferred_language"]
    clean_phone = PersonForm.clean_phone


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you need to see this person?"),
        min_length=10,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _search_page(request, *, form=None, name_form=None, status=200, **context):
    context |= {
        "form": form or SearchForm(),
        "name_form": name_form or NameSearchForm(),
    }
    return render(request, "workspace/people_search.html", context, status=status)


@staff_view(*CENTRE_ROLES)
def people_search(request):
    if request.method != "POST":
        return _search_page(request)
    if request.POST.get("by") == "name":
        return _search_by_name(request)
    form = SearchForm(request.POST)
    if not form.is_valid():
        return _search_page(request, form=form, status=400)
    person = find_by_personnummer(form.cleaned_data["pnr"])
    if person is not None and access.person_access(request.user, person)[0]:
        record_search(actor=request.user, how="personnummer", found=[person], shown=[person])
        return redirect("workspace:person", person.pk)
    # Same answer whether the person exists elsewhere or not: existence is secret too.
    record_search(actor=request.user, how="personnummer", found=[person] if person else [])
    return _search_page(request, not_found=True)


def _search_by_name(request):
    name_form = NameSearchForm(request.POST)
    if not name_form.is_valid():
        return _search_page(request, name_form=name_form, status=400)
    people = list(
        find_by_name(centre_ids=access.centre_ids(request.user), **name_form.cleaned_data)
    )
    record_search(actor=request.user, how="name", shown=people)
    return _search_page(request, name_form=name_form, results=people, searched_by_name=True)


@staff_view(*CENTRE_ROLES)
def person_create(request):
    asking_reason = "different_person_reason" in request.POST
    form = PersonForm(request.POST or None, user=request.user, asking_reason=asking_reason)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = do_create_person(
                actor=request.user,
                center=data["center"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                pnr=data["pnr"],
                local_identity=data["local_identity"],
                birth_date=data["birth_date"],
                address=data["address"],
                phone=data["phone"],
                email=data["email"],
                preferred_language=data["preferred_language"],
                protected_identity=data["protected_identity"],
                check_similar_at=access.centre_ids(request.user),
                different_person_reason=data.get("different_person_reason", ""),
            )
        except DuplicatePerson as duplicate:
            return _refused(request, form, duplicate.person)
        except PossibleDuplicate as similar:
            return _choose(request, similar.people)
        return redirect("workspace:person", person.pk)
    status = 400 if form.is_bound else 200
    context = {"form": form, "asking_reason": asking_reason}
    return render(request, "workspace/person_form.html", context, status=status)


def _choose(request, similar):
    """Same name and date of birth at the user's own centres: open it, or say why not."""
    form = PersonForm(request.POST, user=request.user, asking_reason=True)
    form.is_valid()
    context = {"form": form, "similar": similar, "asking_reason": True}
    return render(request, "workspace/person_form.html", context, status=409)


def _refused(request, form, existing):
    """The number is registered already: said only where the search would say it too."""
    do_record_duplicate_attempt(
        actor=request.user, center=form.cleaned_data["center"], existing=existing
    )
    context = {"form": form}
    if access.person_access(request.user, existing)[0]:
        context["yours"] = existing
    else:
        context["not_found"] = True
    return render(request, "workspace/person_form.html", context)


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
    # Protected identity: address and contact details stay hidden unless asked for (flagged).
    reveal = bool(reason) and request.POST.get("reveal") == "contact_details"
    extra = {"contact_details_shown"} if reveal else ()
    person = access.view_person(request.user, pk, reason=reason, extra_flags=extra)
    show_contact_details = reveal or not person.protected_identity
    # Emergency access reads, it does not change: no write links or forms for it.
    can_write = person.center_id in access.centre_ids(request.user)
    return render(
        request,
        "workspace/person_detail.html",
        _detail_context(person, reason, can_write)
        | {
            "show_contact_details": show_contact_details,
        },
    )


def _detail_context(person, reason, can_write):
    memberships = with_relationship_words(
        HouseholdMember.objects.filter(person=person).select_related("household")
    )
    return {
        "person": person,
        "reason": reason,
        "can_write": can_write,
        "memberships": memberships,
        "member_form": MemberForm(centre_id=person.center_id) if can_write else None,
        "aliases": Alias.objects.filter(person=person).order_by("name"),
        "contacts": person.contacts.select_related("service", "alias").order_by(
            "-occurred_on", "-pk"
        ),
        "offers": offers_about(person=person),
        "visits": visits_without_contact(person.center) if can_write else [],
        "former_identities": person.former_identities.all(),
        "link_form": LinkForm(centre_id=person.center_id) if can_write else None,
    }


class ReplaceIdentityForm(forms.Form):
    pnr = PersonnummerField(label=gettext_lazy("Personal identity number"), max_length=20)


@staff_view(*CENTRE_ROLES)
def person_identity(request, pk):
    """A real number replaces a temporary identity; the former one is kept, masked in the log."""
    person = access.check_own_person(request.user, pk)
    form = ReplaceIdentityForm(request.POST or None)
    context = {"form": form, "person_id": person.pk}
    if request.method == "POST" and form.is_valid():
        try:
            do_replace_identity(actor=request.user, person=person, pnr=form.cleaned_data["pnr"])
        except NumberTaken as taken:
            do_record_duplicate_attempt(
                actor=request.user, center=person.center, existing=taken.person
            )
            if access.person_access(request.user, taken.person)[0]:
                context["yours"] = taken.person
            else:
                context["not_found"] = True
            return render(request, "workspace/person_identity.html", context, status=409)
        except IdentityNotReplaced as refused:
            context["refused"] = str(refused)
            return render(request, "workspace/person_identity.html", context, status=400)
        messages.success(request, gettext_lazy("The personal identity number was saved."))
        return redirect("workspace:person", person.pk)
    status = 400 if form.is_bound else 200
    return render(request, "workspace/person_identity.html", context, status=status)


@staff_view(*CENTRE_ROLES)
@require_POST
def person_legal_hold(request, pk):
    person = access.check_own_person(request.user, pk)
    do_set_person_legal_hold(actor=request.user, person=person, on=request.POST.get("on") == "1")
    messages.success(request, gettext_lazy("Saved."))
    return redirect("workspace:person", person.pk)


@staff_view(*CENTRE_ROLES)
def person_contact_details(request, pk):
    """Change address, phone, e-mail and language. For a protected identity the current values
    are not shown here (they are shown only on the person page, asked for and flagged)."""
    person = access.check_own_person(request.user, pk)
    initial = {"preferred_language": person.preferred_language}
    if not person.protected_identity:
        initial |= {"address": person.address, "phone": person.phone, "email": person.email}
        if request.method != "POST":  # the current values are shown: an audited read
            access.view_person(request.user, pk)
    form = ContactDetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if person.protected_identity:  # nothing was shown, so an empty field keeps the value
            current = {"address": person.address, "phone": person.phone, "email": person.email}
            data |= {name: value for name, value in current.items() if not data[name]}
        do_update_contact_details(actor=request.user, person=person, **data)
        messages.success(request, gettext_lazy("Saved."))
        return redirect("workspace:person", person.pk)
    status = 400 if form.is_bound else 200
    context = {"form": form, "person_id": person.pk, "protected": person.protected_identity}
    return render(request, "workspace/person_contact_details.html", context, status=status)
