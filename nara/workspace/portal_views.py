"""The partner portal: a partner user's start page, the referrals addressed to their
organisation (only the minimum) and the families they send to a centre.

A partner user reaches nothing else of the centres' work: every view here asks for the partner
role and gets its referral through access.get_partner_referral (another organisation's id, or
one that does not exist, is the same 404). The family's name and contact details show only as
far as the consent covers them, and every read that names someone is audited.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from nara.core import access
from nara.core.actions.incoming import incoming_family, partner_status
from nara.core.actions.referrals import (
    ReferralRefused,
    allowed_steps,
    do_send_incoming_referral,
    do_set_referral_status,
    family_for_partner,
    record_partner_view,
)
from nara.core.models import OPEN_STATUSES, Center, Consent, Partner, Referral, ReferralStatus, Role
from nara.lib.personnummer import contains_identity_number
from nara.lib.topics import TOPIC_CHOICES

from . import views
from .decorators import staff_view
from .forms import forget

Direction = Referral.Direction
Status = ReferralStatus
SHOWN = 200


def _open_first(referrals):
    still_open = Case(
        When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return referrals.annotate(open_first=still_open).order_by("open_first", "-created_at", "-pk")


@staff_view(Role.PARTNER_USER)
def portal(request):
    """The partner user's start page: referrals to their organisation, and the ones it sent."""
    referrals = access.partner_referrals(request.user).select_related("center", "service")
    addressed = _open_first(referrals.filter(direction=Direction.OUTGOING))
    sent = list(_open_first(referrals.filter(direction=Direction.INCOMING))[:SHOWN])
    for referral in sent:
        referral.partner_status = partner_status(referral)
    context = {
        **views.index_context(request.user),
        "partners": Partner.objects.filter(pk__in=access.partner_ids(request.user)),
        "addressed": addressed[:SHOWN],
        "sent": sent,
    }
    return render(request, "workspace/portal/portal.html", context)


# Referrals addressed to the partner (outgoing from a centre)


class StepForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    reason = forms.ChoiceField(
        label=gettext_lazy("Why is the referral declined?"),
        choices=[("", "—"), *Referral.DeclineReason.choices],
        required=False,
    )


def _steps(referral):
    """The steps the partner may set next, the decline (it needs a reason) apart."""
    steps = allowed_steps(referral, by_partner=True)
    return [Status(s) for s in steps if s != Status.DECLINED], Status.DECLINED in steps


@staff_view(Role.PARTNER_USER)
def referral_detail(request, pk):
    referral = access.get_partner_referral(request.user, pk, direction=Direction.OUTGOING)
    family = family_for_partner(referral)
    if family:
        record_partner_view(actor=request.user, referral=referral)
    steps, may_decline = _steps(referral)
    context = {
        "referral": referral,
        "family": family,
        "alias": referral.alias.name if referral.alias_id else "",
        "centre": referral.center,
        "steps": steps,
        "may_decline": may_decline,
        "decline_form": StepForm(initial={"status": Status.DECLINED}),
    }
    return render(request, "workspace/portal/referral.html", context)


def _set_status(request, referral, data):
    form = StepForm(data)
    if not form.is_valid():
        messages.error(request, _("Choose one of the options. Nothing was changed."))
        return
    try:
        do_set_referral_status(
            actor=request.user,
            referral=referral,
            status=form.cleaned_data["status"],
            by_partner=True,
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


@staff_view(Role.PARTNER_USER)
@require_POST
def referral_status(request, pk):
    referral = access.get_partner_referral(request.user, pk, direction=Direction.OUTGOING)
    _set_status(request, referral, request.POST)
    return redirect("workspace:portal-referral", referral.pk)


# Families the partner sends to a centre (incoming to the centre)


class IncomingReferralForm(forms.Form):
    center = forms.ModelChoiceField(
        queryset=Center.objects.none(),
        label=gettext_lazy("To which centre"),
        empty_label=None,
        error_messages={"invalid_choice": gettext_lazy("Choose one of the centres.")},
    )
    topic = forms.ChoiceField(
        label=gettext_lazy("What the family needs help with"),
        choices=TOPIC_CHOICES,
        error_messages={"invalid_choice": gettext_lazy("Choose one of the help topics.")},
    )
    family_name = forms.CharField(
        label=gettext_lazy("The family's name"),
        max_length=120,
        help_text=gettext_lazy("The name of the person the centre should contact."),
    )
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=120, required=False)
    consent_given_by = forms.ChoiceField(
        label=gettext_lazy("Who agreed to the referral"),
        choices=Consent.GivenBy.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Say who gave the consent.")},
    )
    consent_given_how = forms.ChoiceField(
        label=gettext_lazy("How the consent was given"),
        choices=Consent.GivenHow.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Say how the consent was given.")},
    )
    consent_scope = forms.MultipleChoiceField(
        label=gettext_lazy("The family agrees that the centre gets"),
        choices=Consent.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Consent.Scope.IDENTITY, Consent.Scope.CONTACT_DETAILS],
        required=False,
    )

    def __init__(self, *args, partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = Center.objects.filter(
            municipality_id=partner.municipality_id, is_published=True
        ).order_by("name")

    def _no_identity_number(self, name, value):
        if contains_identity_number(value):
            self.data = forget(self.data, name)  # not written back into the page
            raise forms.ValidationError(
                _("Do not write a personal identity number here; the centre asks for it.")
            )
        return value

    def clean_family_name(self):
        name = " ".join(self.cleaned_data["family_name"].split())
        if not name:
            raise forms.ValidationError(_("Write the family's name."))
        return self._no_identity_number("family_name", name)

    def clean_phone(self):
        return self._no_identity_number("phone", self.cleaned_data["phone"].strip())

    def clean(self):
        data = super().clean()
        missing = not data.get("phone") and not data.get("email")
        if missing and not self.has_error("phone") and not self.has_error("email"):
            self.add_error("phone", _("Give a phone number or an e-mail address."))
        return data

    @property
    def family_contact(self):
        data = self.cleaned_data
        return " · ".join(value for value in (data["phone"], data["email"]) if value)


def _own_partner(user):
    """The organisation the partner user sends for (the first, if they work for several)."""
    partner = Partner.objects.filter(pk__in=access.partner_ids(user)).order_by("pk").first()
    if partner is None:
        raise PermissionDenied
    return partner


@staff_view(Role.PARTNER_USER)
def incoming_new(request):
    partner = _own_partner(request.user)
    form = IncomingReferralForm(request.POST or None, partner=partner)
    refused = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = do_send_incoming_referral(
                actor=request.user,
                partner=partner,
                center=data["center"],
                topic=data["topic"],
                family_name=data["family_name"],
                family_contact=form.family_contact,
                consent_given_by=data["consent_given_by"],
                consent_given_how=data["consent_given_how"],
                consent_scope=data["consent_scope"],
            )
        except ReferralRefused as exc:
            if exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                refused = exc.message
        else:
            messages.success(
                request,
                _("The family is referred to %(centre)s. The centre will contact them.")
                % {"centre": referral.center.name},
            )
            return redirect("workspace:portal-sent", referral.pk)
    context = {"form": form, "partner": partner, "refused": refused}
    status = 400 if form.is_bound else 200
    return render(request, "workspace/portal/incoming_form.html", context, status=status)


@staff_view(Role.PARTNER_USER)
def sent_detail(request, pk):
    """A family the partner sent: three steps of its progress, and the name they wrote."""
    referral = access.get_partner_referral(request.user, pk, direction=Direction.INCOMING)
    record_partner_view(actor=request.user, referral=referral)
    context = {
        "referral": referral,
        "family": incoming_family(referral),
        "centre": referral.center,
        "shown_status": partner_status(referral),
        "may_withdraw": Status.WITHDRAWN in allowed_steps(referral, by_partner=True),
        "steps": [Status.SENT, Status.RECEIVED, Status.CONTACT_MADE, Status.CLOSED],
    }
    return render(request, "workspace/portal/sent.html", context)


@staff_view(Role.PARTNER_USER)
@require_POST
def sent_withdraw(request, pk):
    referral = access.get_partner_referral(request.user, pk, direction=Direction.INCOMING)
    try:
        do_set_referral_status(
            actor=request.user, referral=referral, status=Status.WITHDRAWN, by_partner=True
        )
    except ReferralRefused:
        messages.error(
            request,
            _("The centre has already received the referral; call the centre to take it back."),
        )
    else:
        messages.success(request, _("The referral is withdrawn."))
    return redirect("workspace:portal-sent", referral.pk)
