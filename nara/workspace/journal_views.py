"""Consent, journal and escalation pages for a person, a household or a contact.

Every page takes its objects through nara/core/access.py; every read of identified data is
audited; writes go through the actions in core/actions/ and only at the user's own centres
(emergency access lets one read, not write). Journal text is posted, never put in a URL, a
message or the audit trail.
"""

import datetime as dt
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from nara.core import access, audit
from nara.core.actions import consent as consents
from nara.core.actions import escalations, journal
from nara.core.actions.people import find_by_personnummer
from nara.core.models import (
    CENTRE_ROLES,
    Consent,
    Contact,
    Escalation,
    Household,
    JournalNote,
    Partner,
    Person,
)

from .decorators import staff_view
from .forms import forget, refuse_identity_number
from .people_views import DATE_INPUT, PersonnummerField, ReasonForm

# The subject of a page: a person or a household, and how looking at it is audited ----------


@dataclass
class Subject:
    person: Person | None = None
    household: Household | None = None
    flags: set = field(default_factory=set)
    reason: str = ""

    @property
    def record(self):
        return self.person or self.household

    @property
    def center_id(self):
        return self.record.center_id

    def url(self, name):
        kind = "" if self.person else "household-"
        return reverse(f"workspace:{kind}{name}", args=[self.record.pk])


def _person_subject(request, pk):
    """(Subject, None), or (None, a page asking why first) for a protected or other centre's
    person; PermissionDenied when the user may not open the person at all."""
    reason, asking = "", None
    if access.person_needs_reason(request.user, pk):
        reason, asking = _reason_given(request)
        if asking is not None:
            return None, asking
    person = Person.objects.get(pk=pk)
    _allowed, flags = access.person_access(request.user, person)
    return Subject(person=person, flags=flags, reason=reason), None


def _household_subject(request, pk):
    """As for a person: another centre's household (emergency access) is shown with a reason."""
    household = access.get_casework_object(request.user, Household, pk)
    flags = access.casework_flags(request.user, household)
    reason = ""
    if "emergency_access" in flags:
        reason, asking = _reason_given(request)
        if asking is not None:
            return None, asking
    return Subject(household=household, flags=flags, reason=reason), None


def _reason_given(request):
    """(reason, None) when a valid reason came with the request, else ("", the page asking)."""
    form = ReasonForm(request.POST or None, prefix="access")
    if request.method == "POST" and form.is_valid():
        return form.cleaned_data["reason"], None
    status = 400 if "access-reason" in request.POST else 200
    return "", render(request, "workspace/person_reason.html", {"form": form}, status=status)


def emergency_reason(request, obj):
    """("", None) at the user's own centre; through emergency access (reason, None) once a
    reason came with the request, else ("", the page asking for it), as for a person."""
    if obj.center_id in access.centre_ids(request.user):
        return "", None
    return _reason_given(request)


def _require_own_centre(user, center_id):
    """Writing is for the centre's own staff: emergency access reads, it does not add."""
    if center_id not in access.centre_ids(user):
        raise PermissionDenied


# Journal ------------------------------------------------------------------------------------


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("New note"),
        max_length=journal.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class CorrectionForm(forms.Form):
    text = forms.CharField(
        label=_("Corrected text"),
        max_length=journal.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    reason = forms.CharField(label=_("Why is it corrected?"), max_length=200)


@staff_view(*CENTRE_ROLES)
def person_journal(request, pk):
    return _journal(request, *_person_subject(request, pk))


@staff_view(*CENTRE_ROLES)
def household_journal(request, pk):
    return _journal(request, *_household_subject(request, pk))


def _journal(request, subject, asking_reason):
    if asking_reason is not None:
        return asking_reason
    form = NoteForm()
    status = 200
    if request.method == "POST" and "text" in request.POST:
        _require_own_centre(request.user, subject.center_id)
        form = NoteForm(request.POST)
        if form.is_valid():
            try:
                journal.do_write_note(
                    actor=request.user,
                    text=form.cleaned_data["text"],
                    person=subject.person,
                    household=subject.household,
                )
            except journal.JournalError as problem:
                form.add_error("text", str(problem))
            else:
                messages.success(request, _("The note is saved and signed."))
                return redirect(subject.url("journal"))
        status = 400
    return _journal_page(request, subject, form, status)


def _journal_page(request, subject, form, status):
    notes = list(
        JournalNote.objects.filter(person=subject.person, household=subject.household)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    journal.record_journal_view(
        actor=request.user,
        subject=subject.record,
        notes=notes,
        flags=subject.flags,
        reason=subject.reason,
    )
    for note in notes:
        note.signed_ok = journal.signature_matches(note)
    context = {
        "subject": subject,
        "entries": journal.journal_entries(notes),
        "tampered": any(not n.signed_ok for n in notes),
        "form": form,
        "can_write": subject.center_id in access.centre_ids(request.user),
    }
    return render(request, "workspace/casework/journal_list.html", context, status=status)


@staff_view(*CENTRE_ROLES)
def journal_correct(request, pk):
    note = access.get_casework_object(request.user, JournalNote, pk)
    _require_own_centre(request.user, note.center_id)
    if note.person_id:
        subject, asking_reason = _person_subject(request, note.person_id)
        if asking_reason is not None:
            return asking_reason
    else:
        subject = _household_subject(request, note.household_id)[0]  # own centre: no reason
    form = CorrectionForm(request.POST if "text" in request.POST else None)
    if form.is_bound and form.is_valid():
        try:
            journal.do_correct_note(actor=request.user, note=note, **form.cleaned_data)
        except journal.JournalError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, _("The correction is saved. The original stays visible."))
            return redirect(subject.url("journal"))
    journal.record_journal_view(
        actor=request.user,
        subject=subject.record,
        notes=[note],
        flags=subject.flags,
        reason=subject.reason,
    )
    note.signed_ok = journal.signature_matches(note)
    context = {
        "note": note,
        "subject": subject,
        "form": form,
        "already_corrected": JournalNote.objects.filter(corrects=note).exists(),
        "subject_url": subject.url("journal"),
    }
    status = 400 if form.is_bound else 200
    return render(request, "workspace/casework/journal_correct.html", context, status=status)


# Consent ------------------------------------------------------------------------------------


class ConsentForm(forms.Form):
    scope = forms.MultipleChoiceField(
        label=_("What may be shared"),
        choices=Consent.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    recipient_partner = forms.ModelChoiceField(
        label=_("Recipient: a partner"), queryset=Partner.objects.none(), required=False
    )
    recipient_unit = forms.CharField(
        label=_("or a named unit"),
        help_text=_("For example a unit of the social services. Fill in one of the two."),
        max_length=120,
        required=False,
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=200)
    given_how = forms.ChoiceField(
        label=_("How was it given?"), choices=Consent.GivenHow.choices, widget=forms.RadioSelect
    )
    given_by = forms.ChoiceField(
        label=_("Given by"), choices=Consent.GivenBy.choices, widget=forms.RadioSelect
    )
    given_on = forms.DateField(label=_("Given on"), widget=DATE_INPUT)
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE_INPUT)

    def __init__(self, *args, municipality_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient_partner"].queryset = Partner.objects.filter(
            municipality_id=municipality_id
        )
        self.fields["given_on"].initial = timezone.localdate()

    def clean_purpose(self):
        return refuse_identity_number(self, "purpose")

    def clean_recipient_unit(self):
        return refuse_identity_number(self, "recipient_unit")

    def clean(self):
        data = super().clean()
        if not self.errors:
            problem = consents.check_consent_input(**data)
            if problem:
                raise forms.ValidationError(problem)
        return data


@staff_view(*CENTRE_ROLES)
def person_consents(request, pk):
    return _consent_list(request, *_person_subject(request, pk))


@staff_view(*CENTRE_ROLES)
def household_consents(request, pk):
    return _consent_list(request, *_household_subject(request, pk))


def _consent_list(request, subject, asking_reason):
    if asking_reason is not None:
        return asking_reason
    rows = list(
        Consent.objects.filter(person=subject.person, household=subject.household)
        .select_related("recipient_partner", "recorded_by")
        .order_by("-given_on", "-pk")
    )
    consents.record_consents_view(
        actor=request.user, subject=subject.record, flags=subject.flags, reason=subject.reason
    )
    today = timezone.localdate()
    for row in rows:
        row.status = consents.consent_status(row, today)
        row.recipient = consents.recipient_name(row)
        row.scope_labels = [str(Consent.Scope(s).label) for s in row.scope]
    context = {
        "subject": subject,
        "consents": rows,
        "can_write": subject.center_id in access.centre_ids(request.user),
        "new_url": subject.url("consent-new"),
    }
    return render(request, "workspace/casework/consent_list.html", context)


@staff_view(*CENTRE_ROLES)
def person_consent_new(request, pk):
    person = _own_person(request.user, pk)
    return _consent_new(request, Subject(person=person))


@staff_view(*CENTRE_ROLES)
def household_consent_new(request, pk):
    household = access.get_casework_object(request.user, Household, pk)
    _require_own_centre(request.user, household.center_id)
    return _consent_new(request, Subject(household=household))


def _own_person(user, pk):
    """A person of the user's own centres, for writing (the same refusal for every other id)."""
    person = Person.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if person is None or person.center_id not in access.centre_ids(user):
        raise PermissionDenied
    return person


def _consent_new(request, subject):
    centre = subject.record.center
    form = ConsentForm(request.POST or None, municipality_id=centre.municipality_id)
    if request.method == "POST" and form.is_valid():
        try:
            consents.do_record_consent(
                actor=request.user,
                center=centre,
                person=subject.person,
                household=subject.household,
                **form.cleaned_data,
            )
        except consents.ConsentError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, _("The consent is recorded."))
            return redirect(subject.url("consents"))
    status = 400 if form.is_bound else 200
    context = {"form": form, "subject": subject, "list_url": subject.url("consents")}
    return render(request, "workspace/casework/consent_form.html", context, status=status)


@staff_view(*CENTRE_ROLES)
@require_POST
def consent_withdraw(request, pk):
    consent = access.get_casework_object(request.user, Consent, pk)
    _require_own_centre(request.user, consent.center_id)
    consent = consents.do_withdraw_consent(actor=request.user, consent=consent)
    messages.success(request, _("The consent is withdrawn. From now on it allows no sharing."))
    for alias in consent.unlinked_aliases:
        messages.info(
            request,
            _("The contacts under the alias %(alias)s are no longer linked to the person.")
            % {"alias": alias.name},
        )
    subject = Subject(person=consent.person, household=consent.household)
    return redirect(subject.url("consents"))


# Escalation ---------------------------------------------------------------------------------


class EscalationForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is it?"), choices=Escalation.Kind.choices, widget=forms.RadioSelect
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=Escalation.Reason.choices)
    to_unit = forms.CharField(label=_("To which unit"), max_length=120)
    case_reference = forms.CharField(
        label=_("Reference in the case system"),
        help_text=_("At most 40 characters. Never write what the report says."),
        max_length=200,  # checked below, with a clear message
        required=False,
    )
    made_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    child_pnr = PersonnummerField(
        label=_("The child's personal identity number"),
        help_text=_("The child must be registered at your centre."),
        max_length=20,
        required=False,
    )
    identity_unknown_reason = forms.CharField(
        label=_("Or: why the child's identity is unknown"), max_length=200, required=False
    )

    def __init__(self, *args, child_known, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["made_on"].initial = timezone.localdate()
        if child_known:
            del self.fields["child_pnr"]
            del self.fields["identity_unknown_reason"]

    def clean_to_unit(self):
        return refuse_identity_number(self, "to_unit")

    def clean_identity_unknown_reason(self):
        return refuse_identity_number(self, "identity_unknown_reason")

    def clean_case_reference(self):
        reference = self.cleaned_data["case_reference"]
        problem = escalations.reference_problem(reference)
        if problem:
            self.data = forget(self.data, "case_reference")
            raise forms.ValidationError(problem)
        return reference

    def clean_made_on(self):
        made_on = self.cleaned_data["made_on"]
        if made_on > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        if made_on < timezone.localdate() - dt.timedelta(days=365):
            raise forms.ValidationError(_("The date can be at most a year ago."))
        return made_on


@staff_view(*CENTRE_ROLES)
def escalate_person(request, pk):
    person = _own_person(request.user, pk)
    return _escalate(request, centre=person.center, person=person, contact=None)


@staff_view(*CENTRE_ROLES)
def escalate_contact(request, pk):
    contact = access.get_casework_object(request.user, Contact, pk)
    _require_own_centre(request.user, contact.center_id)
    return _escalate(request, centre=contact.center, person=contact.person, contact=contact)


def _escalate(request, *, centre, person, contact):
    form = EscalationForm(request.POST or None, child_known=person is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        child = person or _child(request.user, centre, data.get("child_pnr", ""), form)
        if form.is_valid():
            try:
                escalation, task = escalations.do_create_escalation(
                    actor=request.user,
                    center=centre,
                    kind=data["kind"],
                    reason=data["reason"],
                    to_unit=data["to_unit"],
                    case_reference=data["case_reference"],
                    made_on=data["made_on"],
                    contact=contact,
                    person=child,
                    identity_unknown_reason=data.get("identity_unknown_reason", ""),
                )
            except escalations.EscalationError as problem:
                form.add_error(None, str(problem))
            else:
                messages.success(
                    request,
                    _("The escalation is recorded. A follow-up task is due on %(due)s.")
                    % {"due": task.due.isoformat()},
                )
                return redirect("workspace:escalation", escalation.pk)
    status = 400 if form.is_bound else 200
    earlier = Escalation.objects.filter(person=person) if person else Escalation.objects.none()
    if contact is not None:
        earlier = Escalation.objects.filter(contact=contact)
    context = {
        "form": form,
        "person": person,
        "contact": contact,
        "earlier": earlier.select_related("made_by").order_by("-made_on", "-pk"),
    }
    return render(request, "workspace/casework/escalation_form.html", context, status=status)


def _child(user, centre, pnr, form):
    """The child registered at this centre under that number, or None (form error if given)."""
    if not pnr:
        return None
    child = find_by_personnummer(pnr)
    if (
        child is None
        or child.center_id != centre.pk
        or child.center_id not in access.centre_ids(user)
    ):
        form.add_error(
            "child_pnr",
            _("No person with that number at this centre. Register the child first."),
        )
        return None
    return child


@staff_view(*CENTRE_ROLES)
def escalation_detail(request, pk):
    escalation = access.get_casework_object(request.user, Escalation, pk)
    reason, asking = emergency_reason(request, escalation)
    if asking is not None:
        return asking
    flags = access.casework_flags(request.user, escalation)
    with transaction.atomic():
        audit.record(
            actor=request.user,
            action="escalation.view",
            obj=escalation,
            person_id=escalation.person_id,
            flags=flags,
            reason=reason,
        )
    context = {
        "escalation": escalation,
        "link": escalations.case_system_link(escalation.case_reference),
        "tasks": escalation.tasks.select_related("assigned_to").order_by("due"),
    }
    return render(request, "workspace/casework/escalation_detail.html", context)
