"""Log review (logguppföljning), chain verification and emergency access."""

import datetime as dt
import random

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from nara.core import access
from nara.core.actions.staff import do_grant_emergency_access, do_review_emergency_access
from nara.core.audit import verify_chain
from nara.core.models import AuditEvent, Center, EmergencyAccess, Role

from . import words
from .decorators import staff_view

REVIEWERS = (Role.ADMINISTRATOR, Role.CENTRE_MANAGER)
FLAG_LABELS = {
    "emergency_access": gettext_lazy("emergency access"),
    "protected_identity": gettext_lazy("protected identity"),
    "same_surname": gettext_lazy("same surname as the staff member"),
    "same_address": gettext_lazy("same address as the staff member"),
}


class LogFilterForm(forms.Form):
    actor = forms.ModelChoiceField(queryset=None, required=False, label=gettext_lazy("Staff"))
    person = forms.IntegerField(required=False, min_value=1, label=gettext_lazy("Person number"))
    centre = forms.ModelChoiceField(queryset=None, required=False, label=gettext_lazy("Centre"))
    start = forms.DateField(
        required=False, label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"})
    )
    flagged = forms.BooleanField(required=False, label=gettext_lazy("Only flagged"))
    sample = forms.BooleanField(required=False, label=gettext_lazy("Random sample of 20 views"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = get_user_model().objects.filter(is_staff=True)
        self.fields["centre"].queryset = access.manageable_centres(user)


def reviewable_events(user):
    events = AuditEvent.objects.order_by("-id")
    if access.is_admin(user):
        return events
    return events.filter(center_id__in=access.manageable_centres(user).values("pk"))


def _filtered(events, data):
    if data.get("actor"):
        events = events.filter(actor_id=data["actor"].pk)
    if data.get("person"):
        events = events.filter(person_id=data["person"])
    if data.get("centre"):
        events = events.filter(center_id=data["centre"].pk)
    if data.get("start"):
        events = events.filter(created_at__date__gte=data["start"])
    if data.get("end"):
        events = events.filter(created_at__date__lte=data["end"])
    if data.get("flagged"):
        events = events.exclude(flags=[])
    return events


def _sample(events, seed):
    views = list(events.filter(action="person.view").values_list("id", flat=True))
    chosen = random.Random(seed).sample(views, min(20, len(views)))
    return AuditEvent.objects.filter(id__in=chosen).order_by("-id")


@staff_view(*REVIEWERS)
def log_review(request):
    form = LogFilterForm(request.GET or None, user=request.user)
    events = reviewable_events(request.user)
    if form.is_bound and form.is_valid():
        events = _filtered(events, form.cleaned_data)
        if form.cleaned_data["sample"]:
            events = _sample(events, seed=f"{request.user.pk}:{timezone.now():%Y-%m}")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    names = dict(get_user_model().objects.values_list("id", "username"))
    objects = words.object_labels(page)
    rows = [
        {
            "event": e,
            "who": names.get(e.actor_id, e.actor_label),
            "what": words.action_label(e.action),
            "object": objects.get((e.object_type, e.object_id), ""),
            "flags": [FLAG_LABELS.get(f, f) for f in e.flags],
        }
        for e in page
    ]
    grants = EmergencyAccess.objects.filter(reviewed_at__isnull=True)
    if not access.is_admin(request.user):
        grants = grants.filter(center__in=access.manageable_centres(request.user))
    context = {"form": form, "page": page, "rows": rows, "grants": grants.select_related("user")}
    return render(request, "workspace/log_review.html", context)


@staff_view(*REVIEWERS)
def verify(request):
    checked, broken_id, why = verify_chain()
    context = {"checked": checked, "broken_id": broken_id, "why": why}
    return render(request, "workspace/audit_verify.html", context, status=500 if broken_id else 200)


class EmergencyForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (required; reviewed by your manager)"),
        min_length=10,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@staff_view(Role.SOCIAL_WORKER, Role.CENTRE_MANAGER)
def emergency_request(request, pk):
    centre = get_object_or_404(Center, pk=pk)
    form = EmergencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        do_grant_emergency_access(
            actor=request.user, center=centre, reason=form.cleaned_data["reason"]
        )
        hours = dt.timedelta(hours=4).seconds // 3600
        messages.warning(
            request,
            _("Emergency access to %(centre)s for %(hours)d hours. It will be reviewed.")
            % {"centre": centre.name, "hours": hours},
        )
        return redirect("workspace:people")
    status = 400 if form.is_bound else 200
    context = {"form": form, "centre": centre}
    return render(request, "workspace/emergency.html", context, status=status)


@staff_view(*REVIEWERS)
@require_POST
def emergency_review(request, pk):
    grant = get_object_or_404(EmergencyAccess, pk=pk)
    access.get_centre(request.user, grant.center_id, manage=True)
    do_review_emergency_access(actor=request.user, grant=grant)
    messages.success(request, _("Marked as reviewed."))
    return redirect("workspace:log-review")
