"""Outgoing referrals from the centre's side, with the loop closed.

A worker refers a person, household, alias or contact to a partner's service; the referral page
shows its status, every step with who took it and how long it took, what was shared and on
what basis. The centre withdraws and closes; for a service that takes its referrals by phone
the worker also writes down the partner's answers (the event and the audit say so). A warm
referral books a joint meeting in one of the centre's free times.

Pages show no names: the subject is a link to its own (audited) page. Own centre only, through
nara/core/access.py; every write through nara/core/actions/referrals.py.
"""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from nara.core import access, audit, queries
from nara.core.actions.consent import MissingConsent
from nara.core.actions.referrals import (
    ReferralRefused,
    allowed_steps,
    do_book_joint_meeting,
    do_send_referral,
    do_set_referral_status,
    records_for_partner,
    step_durations,
    time_to_first_contact,
)
from nara.core.models import (
    CENTRE_ROLES,
    OPEN_STATUSES,
    Alias,
    Consent,
    Contact,
    Household,
    LegalBasis,
    PartnerService,
    Referral,
    ReferralStatus,
    Slot,
)
from nara.lib.topics import TOPIC_CHOICES

from .decorators import staff_view

CONSENT = "consent"
MEETING_DAYS = 42  # how far ahead a joint meeting may be booked
LISTED = 200  # rows on the referrals list


def service_label(service):
    """ "BUP, regionen: Första linjen – taking referrals (confirmed 2026-03-01)"."""
    label = f"{service.partner.name}: {service.name} – {service.get_capacity_display()}"
    if service.capacity_confirmed_on:
        label += " " + str(
            _("(confirmed %(date)s)") % {"date": service.capacity_confirmed_on.isoformat()}
        )
    if not service.accepts_referrals:
        label += " · " + str(_("by phone: you record the partner's answers"))
    return label


class ReferralForm(forms.Form):
    service = forms.ChoiceField(label=_("Service"))
    topic = forms.ChoiceField(label=_("Reason"), choices=[("", "–")] + TOPIC_CHOICES)
    shared = forms.MultipleChoiceField(
        label=_("What is shared"),
        choices=Consent.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    basis = forms.ChoiceField(
        label=_("Legal basis"),
        widget=forms.RadioSelect,
        help_text=_(
            "A statutory basis shares without consent: such a referral is flagged for the "
            "log review."
        ),
    )

    def __init__(self, *args, centre, identified, **kwargs):
        super().__init__(*args, **kwargs)
        services = PartnerService.objects.filter(
            active=True, partner__active=True, partner__municipality_id=centre.municipality_id
        ).select_related("partner")
        self.services = {str(s.pk): s for s in services}
        self.fields["service"].choices = [("", "–")] + [
            (pk, service_label(s)) for pk, s in self.services.items()
        ]
        if identified:
            self.bases = {
                str(b.pk): b
                for b in LegalBasis.objects.filter(
                    municipality_id=centre.municipality_id, active=True
                )
            }
            self.fields["basis"].choices = [
                (CONSENT, _("The resident's consent to this recipient"))
            ] + [(pk, str(b)) for pk, b in self.bases.items()]
            self.fields["basis"].initial = CONSENT
        else:
            # An alias or an anonymous family: only the reason for contact goes, nothing that
            # identifies, so no legal basis is needed.
            del self.fields["basis"]
            self.fields["shared"].choices = [
                (Consent.Scope.SITUATION, Consent.Scope.SITUATION.label)
            ]
        self.fields["shared"].initial = [Consent.Scope.SITUATION]

    def clean_service(self):
        service = self.services.get(self.cleaned_data["service"])
        if service is None:
            raise forms.ValidationError(_("Choose a service from the list."))
        return service

    def clean_basis(self):
        chosen = self.cleaned_data["basis"]
        return None if chosen == CONSENT else self.bases[chosen]


FIELD_OF = {"legal_basis": "basis", "consent_scope": "shared"}


def _refer(request, *, centre, subject_url, person=None, household=None, alias=None, contact=None):
    identified = person is not None or household is not None
    form = ReferralForm(request.POST or None, centre=centre, identified=identified)
    missing_consent = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = do_send_referral(
                actor=request.user,
                center=centre,
                service=data["service"],
                topic=data["topic"],
                shared=data["shared"],
                person=person,
                household=household,
                alias=alias,
                contact=contact,
                legal_basis=data.get("basis"),
            )
        except ReferralRefused as refused:
            field = FIELD_OF.get(refused.field, refused.field)
            form.add_error(field if field in form.fields else None, refused.message)
            missing_consent = isinstance(refused.__cause__, MissingConsent)
        else:
            messages.success(
                request,
                _("The referral is sent. You will be reminded if there is no answer."),
            )
            return redirect("workspace:referral", referral.pk)
    consent_url = ""
    if person is not None:
        consent_url = reverse("workspace:consent-new", args=[person.pk])
    elif household is not None:
        consent_url = reverse("workspace:household-consent-new", args=[household.pk])
    context = {
        "form": form,
        "subject_url": subject_url,
        "kind": "person" if person else "household" if household else "alias",
        "alias": alias,
        "consent_url": consent_url,
        "missing_consent": missing_consent,
    }
    status = 400 if form.is_bound else 200
    return render(request, "workspace/referrals/referral_form.html", context, status=status)


@staff_view(*CENTRE_ROLES)
def refer_person(request, pk):
    person = access.check_own_person(request.user, pk)
    url = reverse("workspace:person", args=[person.pk])
    return _refer(request, centre=person.center, person=person, subject_url=url)


@staff_view(*CENTRE_ROLES)
def refer_household(request, pk):
    household = access.get_own_casework_object(request.user, Household, pk)
    url = reverse("workspace:household", args=[household.pk])
    return _refer(request, centre=household.center, household=household, subject_url=url)


@staff_view(*CENTRE_ROLES)
def refer_alias(request, pk):
    alias = access.get_own_casework_object(request.user, Alias, pk)
    url = reverse("workspace:alias", args=[alias.pk])
    return _refer(request, centre=alias.center, alias=alias, subject_url=url)


@staff_view(*CENTRE_ROLES)
def refer_contact(request, pk):
    contact = access.get_own_casework_object(request.user, Contact, pk)
    url = reverse("workspace:contact", args=[contact.pk])
    if not (contact.person_id or contact.household_id or contact.alias_id):
        context = {"subject_url": url}
        return render(request, "workspace/referrals/referral_anonymous.html", context)
    return _refer(
        request,
        centre=contact.center,
        person=contact.person,
        household=None if contact.person_id else contact.household,
        alias=None if contact.person_id or contact.household_id else contact.alias,
        contact=contact,
        subject_url=url,
    )


# The referral page ---------------------------------------------------------------------------


def duration_words(delta):
    """ "2 days 3 hours", "45 minutes", "less than a minute"."""
    if delta is None:
        return ""
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if minutes and not days:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    return " ".join(parts) or str(_("less than a minute"))


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=ReferralStatus.choices)
    reason = forms.ChoiceField(
        label=_("Reason for declining"),
        choices=[("", "–")] + Referral.DeclineReason.choices,
        required=False,
    )
    for_partner = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, steps, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s, ReferralStatus(s).label) for s in steps]
        if ReferralStatus.DECLINED not in steps:
            del self.fields["reason"]


class MeetingForm(forms.Form):
    # A select of the free times; any id posted is looked up, so that the action can say why
    # a time is not bookable (another centre's, passed, taken meanwhile).
    slot = forms.CharField(label=_("Free time at the centre"), max_length=20, widget=forms.Select)

    def __init__(self, *args, centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = {str(s.pk): s for s in queries.free_slots(centre, days=MEETING_DAYS)}
        self.fields["slot"].widget.choices = [("", "–")] + [
            (pk, timezone.localtime(s.starts_at).strftime("%Y-%m-%d %H:%M"))
            for pk, s in self.slots.items()
        ]

    def clean_slot(self):
        pk = self.cleaned_data["slot"]
        slot = self.slots.get(pk)
        if slot is None and pk.isascii() and pk.isdigit() and len(pk) < 19:
            slot = Slot.objects.filter(pk=pk).first()
        if slot is None:
            raise forms.ValidationError(_("Choose one of this centre's free times."))
        return slot


def _record_view(user, referral):
    with transaction.atomic():
        audit.record(
            actor=user,
            action="referral.view",
            obj=referral,
            center_id=referral.center_id,
            person_id=referral.person_id,
            flags=access.casework_flags(user, referral),
        )


def _detail(request, referral, *, status=200, status_form=None, partner_form=None, meeting=None):
    referral = (
        Referral.objects.select_related(
            "partner", "service", "consent", "legal_basis", "created_by", "center"
        )
        .prefetch_related("events__by")
        .get(pk=referral.pk)
    )
    _record_view(request.user, referral)
    by_centre = allowed_steps(referral, by_partner=False)
    by_phone = records_for_partner(referral)
    by_partner = allowed_steps(referral, by_partner=True) if by_phone else []
    timeline = [
        {"event": event, "took": duration_words(took)}
        for event, (_status, _at, took) in zip(
            referral.events.all(), step_durations(referral), strict=True
        )
    ]
    meeting_booked = None
    if referral.joint_meeting_id:
        meeting_booked = Slot.objects.filter(pk=referral.joint_meeting_id).first()
    if meeting is None and referral.is_open and meeting_booked is None:
        meeting = MeetingForm(centre=referral.center)
    context = {
        "referral": referral,
        "timeline": timeline,
        "to_first_contact": duration_words(time_to_first_contact(referral)),
        "shared": [Consent.Scope(s).label for s in referral.shared if s in Consent.Scope.values],
        "status_form": status_form or (StatusForm(steps=by_centre) if by_centre else None),
        "partner_form": partner_form
        or (StatusForm(steps=by_partner, initial={"for_partner": True}) if by_partner else None),
        "by_phone": by_phone,
        "meeting_form": meeting if referral.is_open and meeting_booked is None else None,
        "meeting_booked": meeting_booked,
        "since_change": (timezone.now() - referral.status_changed_at).days,
    }
    return render(request, "workspace/referrals/referral_detail.html", context, status=status)


@staff_view(*CENTRE_ROLES)
def referral_detail(request, pk):
    return _detail(request, access.get_own_referral(request.user, pk))


@staff_view(*CENTRE_ROLES)
@require_POST
def referral_status(request, pk):
    """The centre's own steps (withdraw, close, and on an incoming referral receive to contact);
    with for_partner the partner's answers, for a service that answers by phone."""
    referral = access.get_own_referral(request.user, pk)
    for_partner = request.POST.get("for_partner") in ("True", "true", "on", "1")
    steps = allowed_steps(referral, by_partner=for_partner)
    if for_partner and not records_for_partner(referral):
        steps = []
    form = StatusForm(request.POST, steps=steps)
    if form.is_valid():
        try:
            do_set_referral_status(
                actor=request.user,
                referral=referral,
                status=form.cleaned_data["status"],
                by_partner=False,
                reason=form.cleaned_data.get("reason", ""),
                recorded_by_centre=for_partner,
            )
        except ReferralRefused as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            messages.success(request, _("The referral's status is saved."))
            return redirect("workspace:referral", referral.pk)
    elif not steps:
        form.errors.clear()
        form.add_error(None, _("This referral cannot be changed from here now."))
    forms_ = {"partner_form": form} if for_partner else {"status_form": form}
    return _detail(request, referral, status=400, **forms_)


@staff_view(*CENTRE_ROLES)
@require_POST
def referral_meeting(request, pk):
    referral = access.get_own_referral(request.user, pk)
    form = MeetingForm(request.POST, centre=referral.center)
    if form.is_valid():
        try:
            do_book_joint_meeting(
                actor=request.user, referral=referral, slot=form.cleaned_data["slot"]
            )
        except ReferralRefused as refused:
            form.add_error("slot", refused.message)
        else:
            messages.success(request, _("The joint meeting is booked in the centre's calendar."))
            return redirect("workspace:referral", referral.pk)
    return _detail(request, referral, status=400, meeting=form)


# The list ------------------------------------------------------------------------------------


class ListFilter(forms.Form):
    state = forms.ChoiceField(
        label=_("Show"),
        choices=[("open", _("open")), ("closed", _("closed")), ("all", _("all"))],
        required=False,
    )


@staff_view(*CENTRE_ROLES)
def referral_list(request):
    form = ListFilter(request.GET or None)
    state = form.cleaned_data["state"] if form.is_valid() else ""
    state = state or "open"
    referrals = access.own_referrals(request.user)
    if state == "open":
        referrals = referrals.filter(status__in=OPEN_STATUSES)
    elif state == "closed":
        referrals = referrals.exclude(status__in=OPEN_STATUSES)
    open_first = Case(
        When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    referrals = referrals.annotate(open_first=open_first).order_by(
        "center__name", "open_first", "status_changed_at", "pk"
    )
    total = referrals.count()
    rows = list(referrals.select_related("center", "partner", "service", "alias")[:LISTED])
    now = timezone.now()
    for row in rows:
        row.days_since = (now - row.status_changed_at).days
    context = {"form": form, "rows": rows, "total": total, "state": state}
    return render(request, "workspace/referrals/referral_list.html", context)
