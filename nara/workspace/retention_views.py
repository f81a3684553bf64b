"""Retention periods per casework record type (gallring), set by the administrator."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from nara.core.actions.retention import DEFAULT_RETENTION_DAYS, do_set_retention, retention_days
from nara.core.models import PurgeProtocol, RecordType, Role

from .decorators import staff_view

MAX_DAYS = 36500
# Protocol keys → people words (the protocol itself keeps the stable keys).
PROTOCOL_LABELS = {
    "reminders": _("reminders"),
    "appointments_anonymised": _("visits made anonymous"),
    "callbacks": _("call-back requests"),
    "questions": _("anonymous questions"),
    "empty_slots": _("unbooked past times"),
    "offers": RecordType.OFFER.label,
    "contacts": RecordType.CONTACT.label,
    "journal_notes": RecordType.NOTE.label,
    "referrals": RecordType.REFERRAL.label,
    "escalations": RecordType.ESCALATION.label,
    "aliases": RecordType.ALIAS.label,
    "group_participants": RecordType.PARTICIPANT.label,
    "waiting_list": RecordType.WAITING_LIST.label,
    "consents": RecordType.CONSENT.label,
    "households": RecordType.HOUSEHOLD.label,
    "people": RecordType.PERSON.label,
    "meetings": RecordType.MEETING.label,
}


class RetentionForm(forms.Form):
    """One whole number of days per record type, 1 to 100 years."""

    def __init__(self, *args, current, **kwargs):
        super().__init__(*args, **kwargs)
        for record_type in RecordType:
            self.fields[record_type.value] = forms.IntegerField(
                label=record_type.label,
                min_value=1,
                max_value=MAX_DAYS,
                initial=current[record_type],
                help_text=_("Default: %(days)s days.")
                % {"days": DEFAULT_RETENTION_DAYS[record_type]},
            )


@staff_view(Role.ADMINISTRATOR)
def retention(request):
    form = RetentionForm(request.POST or None, current=retention_days())
    if request.method == "POST":
        if form.is_valid():
            do_set_retention(actor=request.user, days=form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("workspace:retention")
        return _page(request, form, status=400)
    return _page(request, form)


def _page(request, form, status=200):
    protocols = [
        (protocol.ran_at, [(PROTOCOL_LABELS.get(k, k), n) for k, n in protocol.counts.items()])
        for protocol in PurgeProtocol.objects.order_by("-ran_at", "-pk")[:5]
    ]
    context = {"form": form, "protocols": protocols}
    return render(request, "workspace/casework/retention.html", context, status=status)
