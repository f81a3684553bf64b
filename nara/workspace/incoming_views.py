"""Referrals from partners, at the centre: the list, and the page where a worker reads who the
family is (audited), moves the referral on, sees the time to first contact and links the family
to a person or household of the centre. Own centres only.
"""

from django import forms
from django.contrib import messages
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from nara.core import access
from nara.core.actions.incoming import (
    do_link_incoming_referral,
    incoming_family,
    record_incoming_view,
)
from nara.core.actions.people import find_by_name, record_search
from nara.core.actions.referrals import (
    ReferralRefused,
    allowed_steps,
    do_set_referral_status,
    step_durations,
    time_to_first_contact,
)
from nara.core.models import (
    CENTRE_ROLES,
    OPEN_STATUSES,
    Household,
    Person,
    Referral,
    ReferralStatus,
)

from .decorators import staff_view

Status = ReferralStatus
SHOWN = 200


def duration_words(delta):
    """ "3 hours 20 minutes", "2 days 4 hours": how long a step took, in words."""
    if delta is None:
        return ""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours or days:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if not days:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    return " ".join(parts)


@staff_view(*CENTRE_ROLES)
def incoming_list(request):
    still_open = Case(
        When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    referrals = list(
        Referral.objects.filter(
            direction=Referral.Direction.INCOMING, center_id__in=access.centre_ids(request.user)
        )
        .select_related("center", "partner")
        .prefetch_related("events")
        .annotate(open_first=still_open)
        .order_by("open_first", "-created_at", "-pk")[:SHOWN]
    )
    for referral in referrals:
        referral.first_contact_after = duration_words(time_to_first_contact(referral))
    return render(request, "workspace/casework/incoming_list.html", {"referrals": referrals})


class StepForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    reason = forms.ChoiceField(
        label=gettext_lazy("Why is the referral declined?"),
        choices=[("", "—"), *Referral.DeclineReason.choices],
        required=False,
    )


class LinkForm(forms.Form):
    person = forms.ModelChoiceField(
        queryset=Person.objects.none(),
        label=gettext_lazy("Person"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose a person of this centre.")},
    )
    household = forms.ModelChoiceField(
        queryset=Household.objects.none(),
        label=gettext_lazy("Household"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose a household of this centre.")},
    )

    def __init__(self, *args, referral, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(center_id=referral.center_id)
        self.fields["person"].choices = [("", "—")] + [
            (p.pk, f"{p.first_name} {p.last_name}") for p in people
        ]
        households = Household.objects.filter(center_id=referral.center_id).order_by("name")
        self.fields["household"].queryset = households

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("person") and not data.get("household"):
            raise forms.ValidationError(_("Choose a person or a household."))
        return data


def _candidates(user, referral, name):
    """People of the referral's centre with the family's name (the search is audited)."""
    words = name.split()
    people = list(find_by_name(centre_ids=[referral.center_id], name=name))
    if not people and len(words) > 1:  # "Familjen Berg": the surname alone
        people = list(find_by_name(centre_ids=[referral.center_id], name=words[-1]))
    record_search(actor=user, how="name", shown=people)
    return people


@staff_view(*CENTRE_ROLES)
def incoming_detail(request, pk):
    referral = access.get_incoming_referral(request.user, pk)
    family = incoming_family(referral)
    record_incoming_view(actor=request.user, referral=referral)
    steps = allowed_steps(referral, by_partner=False)
    people = [] if referral.person_id else _candidates(request.user, referral, family["name"])
    context = {
        "referral": referral,
        "family": family,
        "steps": [Status(s) for s in steps if s != Status.DECLINED],
        "may_decline": Status.DECLINED in steps,
        "decline_form": StepForm(initial={"status": Status.DECLINED}),
        "durations": [
            (Status(status).label, at, duration_words(took))
            for status, at, took in step_durations(referral)
        ],
        "first_contact_after": duration_words(time_to_first_contact(referral)),
        "link_form": LinkForm(referral=referral, people=people),
        "candidates": people,
    }
    return render(request, "workspace/casework/incoming_detail.html", context)


@staff_view(*CENTRE_ROLES)
@require_POST
def incoming_status(request, pk):
    referral = access.get_incoming_referral(request.user, pk)
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the options. Nothing was changed."))
        return redirect("workspace:incoming", referral.pk)
    try:
        do_set_referral_status(
            actor=request.user,
            referral=referral,
            status=form.cleaned_data["status"],
            by_partner=False,
            reason=form.cleaned_data["reason"],
        )
    except ReferralRefused as refused:
        messages.error(request, f"{refused.message} {_('Nothing was changed.')}")
    else:
        messages.success(
            request,
            _("The referral is now “%(status)s”.")
            % {"status": Status(form.cleaned_data["status"]).label},
        )
    return redirect("workspace:incoming", referral.pk)


@staff_view(*CENTRE_ROLES)
@require_POST
def incoming_link(request, pk):
    referral = access.get_incoming_referral(request.user, pk)
    form = LinkForm(request.POST, referral=referral)
    if not form.is_valid():
        errors = [e for errors in form.errors.values() for e in errors]
        messages.error(request, f"{errors[0]} {_('Nothing was changed.')}")
        return redirect("workspace:incoming", referral.pk)
    try:
        do_link_incoming_referral(
            actor=request.user,
            referral=referral,
            person=form.cleaned_data["person"],
            household=form.cleaned_data["household"],
        )
    except ReferralRefused as refused:
        messages.error(request, f"{refused.message} {_('Nothing was changed.')}")
    else:
        messages.success(request, _("The referral is linked."))
    return redirect("workspace:incoming", referral.pk)
