"""Aliases of the user's centres, and linking one to a person with the resident's consent."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from nara.core import access
from nara.core.actions.aliases import LinkRefused, do_link_alias, do_unlink_alias, record_alias_view
from nara.core.actions.offers import offers_about
from nara.core.models import CENTRE_ROLES, Alias, Consent

from .decorators import staff_view


class AliasSearchForm(forms.Form):
    q = forms.CharField(label=_("Alias"), max_length=40, required=False)


class LinkForm(forms.Form):
    alias = forms.ModelChoiceField(queryset=None, label=_("Alias used at earlier contacts"))
    consent_given = forms.BooleanField(
        label=_(
            "The resident agrees that the contacts under this alias are linked to them "
            "and kept with their record"
        ),
        required=False,
    )
    given_how = forms.ChoiceField(label=_("Consent given"), choices=Consent.GivenHow.choices)
    given_by = forms.ChoiceField(label=_("Consent given by"), choices=Consent.GivenBy.choices)
    valid_until = forms.DateField(
        label=_("Consent valid until"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, centre_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alias"].queryset = Alias.objects.filter(
            center_id=centre_id, person__isnull=True
        ).order_by("name")
        self.fields["valid_until"].initial = timezone.localdate() + dt.timedelta(days=365)

    def clean_consent_given(self):
        if not self.cleaned_data["consent_given"]:
            raise forms.ValidationError(
                _("The resident must agree before earlier contacts are linked.")
            )
        return True

    def clean_valid_until(self):
        value = self.cleaned_data["valid_until"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("The consent must be valid today or later."))
        return value


class UnlinkForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the link undone?"),
        min_length=10,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@staff_view(*CENTRE_ROLES)
def alias_list(request):
    # The page's form posts, so that what is typed (perhaps a number) never lands in a URL.
    form = AliasSearchForm((request.POST if request.method == "POST" else request.GET) or None)
    aliases = Alias.objects.filter(center_id__in=access.casework_centre_ids(request.user))
    if form.is_valid() and form.cleaned_data["q"].strip():
        aliases = aliases.filter(name__icontains=form.cleaned_data["q"].strip())
    aliases = aliases.select_related("center").order_by("center__name", "name")[:100]
    context = {"form": form, "aliases": aliases}
    return render(request, "workspace/casework/alias_list.html", context)


@staff_view(*CENTRE_ROLES)
def alias_detail(request, pk):
    from .journal_views import emergency_reason  # journal_views imports this module

    alias = access.get_casework_object(request.user, Alias, pk)
    reason, asking = emergency_reason(request, alias)
    if asking is not None:
        return asking
    record_alias_view(
        actor=request.user,
        alias=alias,
        flags=access.casework_flags(request.user, alias),
        reason=reason,
    )
    contacts = alias.contacts.select_related("service").order_by("-occurred_on")
    context = {
        "alias": alias,
        "contacts": contacts,
        "offers": offers_about(alias=alias),
        "can_write": alias.center_id in access.centre_ids(request.user),
    }
    return render(request, "workspace/casework/alias_detail.html", context)


@staff_view(*CENTRE_ROLES)
@require_POST
def alias_link(request, pk):
    """Link an alias to this person (pk is the person's), with the consent recorded."""
    person = access.check_own_person(request.user, pk)
    form = LinkForm(request.POST, centre_id=person.center_id)
    if form.is_valid():
        alias = access.get_own_casework_object(request.user, Alias, form.cleaned_data["alias"].pk)
        try:
            do_link_alias(
                actor=request.user,
                alias=alias,
                person=person,
                consent_given=form.cleaned_data["consent_given"],
                given_how=form.cleaned_data["given_how"],
                given_by=form.cleaned_data["given_by"],
                valid_until=form.cleaned_data["valid_until"],
            )
        except LinkRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The alias was linked; its earlier contacts are shown."))
            return redirect("workspace:person", person.pk)
    context = {"form": form, "person_id": person.pk}
    return render(request, "workspace/casework/alias_link.html", context, status=400)


@staff_view(*CENTRE_ROLES)
def alias_unlink(request, pk):
    alias = access.get_own_casework_object(request.user, Alias, pk)
    form = UnlinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_unlink_alias(actor=request.user, alias=alias, reason=form.cleaned_data["reason"])
        except LinkRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The link was undone: the contacts are anonymous again."))
            return redirect("workspace:alias", alias.pk)
    status = 400 if form.is_bound else 200
    context = {"form": form, "alias": alias}
    return render(request, "workspace/casework/alias_unlink.html", context, status=status)
