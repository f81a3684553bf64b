"""The administrator's referral settings: when an unanswered referral is followed up, and the
list of statutory bases for sharing without consent. Every change is audited (do_update,
do_create)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from nara.core.actions.centers import do_create, do_update
from nara.core.models import LegalBasis, Municipality, Role

from .decorators import staff_view


class ReminderForm(forms.Form):
    referral_reminder_days = forms.IntegerField(
        label=_("Days before an unanswered referral is followed up"),
        min_value=1,
        max_value=60,
        help_text=_("The worker who sent it gets a task on the next working day after that."),
    )


class LegalBasisForm(forms.ModelForm):
    class Meta:
        model = LegalBasis
        fields = ["name", "provision", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


def _municipality():
    return Municipality.objects.order_by("id").first()


@staff_view(Role.ADMINISTRATOR)
def referral_settings(request):
    municipality = _municipality()
    if municipality is None:
        raise PermissionDenied
    which = request.POST.get("form", "") if request.method == "POST" else ""
    reminder = ReminderForm(
        request.POST if which == "reminder" else None,
        initial={"referral_reminder_days": municipality.referral_reminder_days},
    )
    basis = LegalBasisForm(request.POST if which == "basis" else None)
    if which == "reminder" and reminder.is_valid():
        do_update(actor=request.user, obj=municipality, fields=reminder.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("workspace:referral-settings")
    if which == "basis" and basis.is_valid():
        try:
            do_create(
                actor=request.user,
                model=LegalBasis,
                fields=basis.cleaned_data | {"municipality": municipality},
            )
        except ValidationError as problem:
            basis.add_error(None, problem)
        else:
            messages.success(request, _("The legal basis is added to the list."))
            return redirect("workspace:referral-settings")
    context = {
        "reminder": reminder,
        "basis": basis,
        "bases": LegalBasis.objects.filter(municipality=municipality).order_by("-active", "name"),
    }
    status = 400 if which else 200
    return render(request, "workspace/referrals/settings.html", context, status=status)


@staff_view(Role.ADMINISTRATOR)
@require_POST
def legal_basis_active(request, pk):
    basis = LegalBasis.objects.filter(pk=pk).first()
    if basis is None:
        raise PermissionDenied
    do_update(actor=request.user, obj=basis, fields={"active": request.POST.get("on") == "1"})
    messages.success(request, _("Saved."))
    return redirect("workspace:referral-settings")
