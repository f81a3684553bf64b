"""Log review (logguppföljning), chain verification and emergency access.

The log review's filter is posted and kept in the session under an opaque token, so that a
personnummer typed into it never reaches a URL; every review is itself audited.
"""

import random
import secrets

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from nara.core import access, audit
from nara.core.actions.people import find_by_personnummer
from nara.core.actions.staff import (
    EMERGENCY_HOURS,
    do_grant_emergency_access,
    do_review_emergency_access,
    meaningful_reason,
)
from nara.core.audit import verify_chain
from nara.core.models import AuditEvent, Center, EmergencyAccess, Role

from . import words
from .decorators import staff_view
from .people_views import PersonnummerField

REVIEWERS = (Role.ADMINISTRATOR, Role.CENTRE_MANAGER)
FILTERS_KEY = "nara_log_filters"
FLAG_LABELS = {
    "emergency_access": gettext_lazy("emergency access"),
    "protected_identity": gettext_lazy("protected identity"),
    "same_surname": gettext_lazy("same surname as the staff member"),
    "same_address": gettext_lazy("same address as the staff member"),
    "registration_refused": gettext_lazy("registration of a number already registered"),
    "outside_own_centres": gettext_lazy("searched for a person of another centre"),
    "own_roles": gettext_lazy("tried to change own roles"),
    "admin_casework_role": gettext_lazy("casework role for an administrator"),
    "credentials_reset": gettext_lazy("password and second factor reset"),
    "caseworker_enrolment": gettext_lazy("enrolment link of an account with a casework role"),
    "different_person_stated": gettext_lazy(
        "registered although the same name and date of birth exist"
    ),
    "contact_details_shown": gettext_lazy("address and contact details of a protected identity"),
    "statutory_sharing": gettext_lazy("shared without consent on a statutory basis"),
    "partner_read": gettext_lazy("a partner opened a referral naming a person"),
}


class LogFilterForm(forms.Form):
    actor = forms.ModelChoiceField(queryset=None, required=False, label=gettext_lazy("Staff"))
    pnr = PersonnummerField(
        required=False, max_length=20, label=gettext_lazy("Personal identity number")
    )
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

    def stored(self):
        """The filter as kept in the session: ids and dates, the number only as a person id."""
        data = self.cleaned_data
        person = find_by_personnummer(data["pnr"]) if data["pnr"] else None
        return {
            "actor": data["actor"].pk if data["actor"] else None,
            "person": (person.pk if person else 0) if data["pnr"] else None,
            "centre": data["centre"].pk if data["centre"] else None,
            "start": data["start"].isoformat() if data["start"] else None,
            "end": data["end"].isoformat() if data["end"] else None,
            "flagged": data["flagged"],
            "sample": data["sample"],
        }

    @classmethod
    def initial_from(cls, stored, user):
        initial = {k: v for k, v in stored.items() if k != "person" and v is not None}
        return cls(initial=initial, user=user)


def reviewable_events(user):
    events = AuditEvent.objects.order_by("-id")
    if access.is_admin(user):
        return events
    managed = access.manageable_centres(user).values("pk")
    staff = access.managed_staff_ids(user)
    return events.filter(Q(center_id__in=managed) | Q(actor_id__in=staff))


def _filtered(events, data):
    if data.get("actor"):
        events = events.filter(actor_id=data["actor"])
    if data.get("person") is not None:
        events = events.filter(person_id=data["person"])
    if data.get("centre"):
        events = events.filter(center_id=data["centre"])
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


def _store_filter(request, stored):
    token = secrets.token_urlsafe(9)
    kept = dict(list(request.session.get(FILTERS_KEY, {}).items())[-9:])
    kept[token] = stored
    request.session[FILTERS_KEY] = kept
    return token


@staff_view(*REVIEWERS)
def log_review(request):
    if request.method == "POST":
        form = LogFilterForm(request.POST, user=request.user)
        if form.is_valid():
            token = _store_filter(request, form.stored())
            return redirect(f"{request.path}?f={token}")
        return _log_page(request, form, {}, "", status=400)
    token = request.GET.get("f", "")
    stored = request.session.get(FILTERS_KEY, {}).get(token) or {}
    form = LogFilterForm.initial_from(stored, request.user)
    return _log_page(request, form, stored, token if stored else "")


def _log_page(request, form, stored, token, status=200):
    with transaction.atomic():
        audit.record(
            actor=request.user,
            action="audit.review",
            person_id=stored.get("person") or None,
            changes={"filter": {k: v for k, v in stored.items() if k != "person" and v}},
        )
    events = _filtered(reviewable_events(request.user), stored)
    if stored.get("sample"):
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
    grants = access.reviewable_grants(request.user).filter(reviewed_at__isnull=True)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "token": token,
        "grants": grants.select_related("user", "center"),
    }
    return render(request, "workspace/log_review.html", context, status=status)


@staff_view(*REVIEWERS)
def verify(request):
    checked, broken_id, why = verify_chain()
    context = {"checked": checked, "broken_id": broken_id, "why": why}
    return render(request, "workspace/audit_verify.html", context, status=500 if broken_id else 200)


class EmergencyForm(forms.Form):
    centre = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Centre"))
    category = forms.ChoiceField(
        label=gettext_lazy("What is the emergency?"),
        choices=EmergencyAccess.Category.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Describe the situation (required; reviewed by your manager)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user, centre=None, **kwargs):
        super().__init__(*args, **kwargs)
        if centre is not None:
            del self.fields["centre"]
        else:
            others = Center.objects.exclude(pk__in=access.centre_ids(user))
            self.fields["centre"].queryset = others.order_by("name")

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not meaningful_reason(reason):
            raise forms.ValidationError(
                gettext_lazy("Describe the situation in your own words: at least a full sentence.")
            )
        return reason


@staff_view(Role.SOCIAL_WORKER, Role.CENTRE_MANAGER)
def emergency_request(request, pk=None):
    centre = Center.objects.filter(pk=pk).first() if pk is not None else None
    if pk is not None and centre is None:
        return redirect("workspace:emergency-any")
    form = EmergencyForm(request.POST or None, user=request.user, centre=centre)
    if request.method == "POST" and form.is_valid():
        chosen = centre or form.cleaned_data["centre"]
        do_grant_emergency_access(
            actor=request.user,
            center=chosen,
            category=form.cleaned_data["category"],
            reason=form.cleaned_data["reason"],
        )
        messages.warning(
            request,
            _("Emergency access to %(centre)s for %(hours)d hours. It will be reviewed.")
            % {"centre": chosen.name, "hours": EMERGENCY_HOURS},
        )
        return redirect("workspace:people")
    status = 400 if form.is_bound else 200
    context = {"form": form, "centre": centre}
    return render(request, "workspace/emergency.html", context, status=status)


@staff_view(*REVIEWERS)
@require_POST
def emergency_review(request, pk):
    grant = access.get_emergency_grant(request.user, pk)
    do_review_emergency_access(actor=request.user, grant=grant)
    messages.success(request, _("Marked as reviewed."))
    return redirect("workspace:log-review")
