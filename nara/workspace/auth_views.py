"""Signing in: password, then TOTP (set up on first sign-in), or single sign-on."""

import base64
import datetime as dt
import time

import segno
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Sum
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from nara.core.actions.staff import do_record_sign_in, do_sign_out_everywhere, profile_of

from .decorators import second_factor_done
from .forms import TokenForm
from .middleware import GENERATION_KEY, SIGNED_IN_AT_KEY
from .oidc import oidc_enabled


def axes_username(request, credentials=None):
    """The username django-axes records for lockouts: as typed, but bounded and NUL-free."""
    source = credentials if credentials is not None else request.POST
    return str((source or {}).get("username", "")).replace("\x00", "")[:150]


def axes_cooloff(request):
    """Lockout time: the configured cool-off, doubled for every further run of failures on
    the same account (from any address), up to a day."""
    base = dt.timedelta(hours=settings.NARA_LOGIN_COOLOFF_HOURS)
    username = axes_username(request) if request is not None else ""
    if not username:
        return base
    failures = (
        AccessAttempt.objects.filter(username=username).aggregate(n=Sum("failures_since_start"))[
            "n"
        ]
        or 0
    )
    runs = max(0, failures // settings.AXES_FAILURE_LIMIT - 1)
    return min(base * 2 ** min(runs, 16), dt.timedelta(days=1))


def login(request):
    if request.user.is_authenticated and second_factor_done(request):
        return redirect("workspace:index")
    form = AuthenticationForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        auth_login(request, form.get_user())
        request.session["nara_next"] = _safe_next(request)
        return redirect("workspace:login-verify")
    if request.GET.get("sso") == "failed":
        messages.error(request, _("Single sign-on did not give you a role in Nära."))
    return render(request, "workspace/login.html", {"form": form, "oidc": oidc_enabled()})


def _safe_next(request):
    target = request.GET.get("next", "")
    ok = url_has_allowed_host_and_scheme(target, {request.get_host()}) and target.startswith("/")
    return target if ok else "/staff/"


def login_verify(request):
    """Second factor. Without a confirmed device the user must set one up first."""
    if not request.user.is_authenticated:
        return redirect("workspace:login")
    if second_factor_done(request):
        return redirect("workspace:index")
    if not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("workspace:login-setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttled = _throttled(request.user)
        device = None if throttled else match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            return _complete_sign_in(request, device)
        form.add_error("token", _wrong_code_message(throttled))
    return render(request, "workspace/login_verify.html", {"form": form})


def login_setup(request):
    if not request.user.is_authenticated:
        return redirect("workspace:login")
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("workspace:login-verify")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="app", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttled = not device.verify_is_allowed()[0]
        if not throttled and device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            return _complete_sign_in(request, device)
        form.add_error("token", _wrong_code_message(throttled))
    secret = base64.b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=5)
    context = {"form": form, "secret": secret, "qr": qr}
    return render(request, "workspace/login_setup.html", context)


def _throttled(user):
    return any(not d.verify_is_allowed()[0] for d in TOTPDevice.objects.filter(user=user))


def _wrong_code_message(throttled):
    if throttled:
        return _("Too many wrong codes. Wait a little, then use the newest code.")
    return _("The code is wrong or too old. Check the time on your phone and use the newest code.")


def _complete_sign_in(request, device):
    otp_login(request, device)
    request.session[GENERATION_KEY] = profile_of(request.user).session_generation
    request.session[SIGNED_IN_AT_KEY] = int(time.time())
    do_record_sign_in(user=request.user, method="password+totp")
    return redirect(request.session.pop("nara_next", "/staff/"))


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("workspace:login")


@require_POST
def logout_everywhere(request):
    if request.user.is_authenticated:
        do_sign_out_everywhere(actor=request.user)
    logout(request)
    messages.info(request, _("You are signed out on all devices."))
    return redirect("workspace:login")
