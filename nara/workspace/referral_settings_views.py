"""The administrator's referral settings: when an unanswered referral is followed up (audited,
do_update). The statutory bases for sharing without consent are kept with the partner
directory (directory_views.legal_bases)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from nara.core.actions.centers import do_update
from nara.core.models import Municipality, Role

from .decorators import staff_view


class ReminderForm(forms.Form):
    referral_reminder_days = forms.IntegerField(
        label=_("Days before an unanswered referral is followed up"),
        min_value=1,
        max_value=60,
        help_text=_("The worker who sent it gets a task on the next working day after that."),
    )


def _municipality():
    return Municipality.objects.order_by("id").first()


@staff_view(Role.ADMINISTRATOR)
def referral_settings(request):
    municipality = _municipality()
    if municipality is None:
        raise PermissionDenied
    reminder = ReminderForm(
        request.POST or None,
        initial={"referral_reminder_days": municipality.referral_reminder_days},
    )
    if request.method == "POST" and reminder.is_valid():
        do_update(actor=request.user, obj=municipality, fields=reminder.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("workspace:referral-settings")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "workspace/referrals/settings.html", {"reminder": reminder}, status=status
    )
