"""The administrator's partner API pages: tokens per partner organisation (created, shown once,
revoked) and each organisation's notification address (webhook)."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from nara.api.actions import (
    ApiSettingRefused,
    do_issue_token,
    do_revoke_token,
    do_set_webhook,
    max_token_days,
)
from nara.api.models import ApiToken, PartnerApiAccount, Scope, WebhookDelivery
from nara.core.models import Partner, Role

from .decorators import staff_view

DEFAULT_DAYS = 90


class TokenForm(forms.Form):
    partner = forms.ModelChoiceField(
        queryset=Partner.objects.filter(active=True).order_by("name"),
        label=gettext_lazy("Partner organisation"),
        error_messages={"invalid_choice": gettext_lazy("Choose one of the partners.")},
    )
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=80,
        help_text=gettext_lazy("Which system uses it, e.g. “School's student register”."),
    )
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("The token may"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose what the token may do.")},
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Valid until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("At most a year ahead. Issue a new token before it runs out."),
    )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Give the token a name."))
        return name


@staff_view(Role.ADMINISTRATOR)
def token_list(request):
    tokens = ApiToken.objects.select_related("partner", "created_by")
    accounts = PartnerApiAccount.objects.select_related("partner").order_by("partner__name")
    failing = {
        row["partner_id"]
        for row in WebhookDelivery.objects.filter(status=WebhookDelivery.Status.FAILED)
        .values("partner_id")
        .distinct()
    }
    context = {
        "tokens": tokens,
        "accounts": accounts,
        "failing": failing,
        "now": timezone.now(),
    }
    return render(request, "workspace/api/tokens.html", context)


@staff_view(Role.ADMINISTRATOR)
def token_new(request):
    initial = {"expires_on": timezone.localdate() + dt.timedelta(days=DEFAULT_DAYS)}
    form = TokenForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            token, raw = do_issue_token(
                actor=request.user,
                partner=data["partner"],
                name=data["name"],
                scopes=data["scopes"],
                expires_on=data["expires_on"],
            )
        except ApiSettingRefused as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            response = render(
                request, "workspace/api/token_shown.html", {"token": token, "raw": raw}
            )
            response["Cache-Control"] = "no-store"
            return response
    context = {
        "form": form,
        "title": _("New partner API token"),
        "back": "workspace:api-tokens",
        "max_days": max_token_days(),
    }
    return render(request, "workspace/form.html", context, status=400 if form.is_bound else 200)


@staff_view(Role.ADMINISTRATOR)
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk)
    do_revoke_token(actor=request.user, token=token)
    messages.success(
        request,
        _("The token “%(name)s” is revoked. It stops working at once.") % {"name": token.name},
    )
    return redirect("workspace:api-tokens")


class WebhookForm(forms.Form):
    webhook_url = forms.URLField(
        label=gettext_lazy("Notification address"),
        max_length=300,
        required=False,
        assume_scheme="https",
        help_text=gettext_lazy(
            "The partner's system gets a signed message here when a referral addressed to the "
            "partner changes status: only the referral's number and its new status."
        ),
    )
    webhook_enabled = forms.BooleanField(label=gettext_lazy("Send notifications"), required=False)
    new_secret = forms.BooleanField(
        label=gettext_lazy("Make a new signing secret (the old one stops working)"),
        required=False,
    )


@staff_view(Role.ADMINISTRATOR)
def webhook(request, pk):
    partner = get_object_or_404(Partner, pk=pk)
    account = PartnerApiAccount.objects.filter(partner=partner).first()
    initial = {
        "webhook_url": getattr(account, "webhook_url", ""),
        "webhook_enabled": getattr(account, "webhook_enabled", False),
    }
    form = WebhookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            secret = do_set_webhook(
                actor=request.user,
                partner=partner,
                url=data["webhook_url"],
                enabled=data["webhook_enabled"],
                new_secret=data["new_secret"],
            )
        except ApiSettingRefused as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            if not secret:
                messages.success(request, _("Saved."))
                return redirect("workspace:api-tokens")
            response = render(
                request, "workspace/api/webhook_secret.html", {"partner": partner, "secret": secret}
            )
            response["Cache-Control"] = "no-store"
            return response
    deliveries = WebhookDelivery.objects.filter(partner=partner)[:20]
    context = {"form": form, "partner": partner, "deliveries": deliveries}
    return render(
        request, "workspace/api/webhook.html", context, status=400 if form.is_bound else 200
    )
