"""Signing in: password, then TOTP (set up on first sign-in), or single sign-on."""

import base64
import datetime as dt
import time

import segno
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from nara.core.actions.staff import do_record_sign_in, do_sign_out_everywhere, profile_of
from nara.core.actions.staff_credentials import (
    do_change_password,
    do_complete_enrolment,
    do_confirm_second_factor,
    do_open_enrolment_link,
)
from nara.core.models import EnrolmentLink

from .decorators import second_factor_done, staff_view
from .forms import TokenForm
from .middleware import GENERATION_KEY, SIGNED_IN_AT_KEY
from .oidc import oidc_enabled

SETUP_DEVICE_KEY = "nara_setup_device"
ENROLMENT_KEY = "nara_enrolment_link"


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
    """Set up the second factor. The key belongs to this session only: another session that
    passed the password step gets its own key, and starting again replaces the older one."""
    if not request.user.is_authenticated:
        return redirect("workspace:login")
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("workspace:login-verify")
    device = _setup_device(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttled = not device.verify_is_allowed()[0]
        if not throttled and device.verify_token(form.cleaned_data["token"]):
            try:
                do_confirm_second_factor(user=request.user, device=device)
            except ValueError:
                return redirect("workspace:login-verify")
            request.session.pop(SETUP_DEVICE_KEY, None)
            return _complete_sign_in(request, device)
        form.add_error("token", _wrong_code_message(throttled))
    secret = base64.b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=5)
    context = {"form": form, "secret": secret, "qr": qr}
    return render(request, "workspace/login_setup.html", context)


def _setup_device(request):
    device = TOTPDevice.objects.filter(
        user=request.user, confirmed=False, pk=request.session.get(SETUP_DEVICE_KEY) or 0
    ).first()
    if device is None:
        TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=request.user, name="app", confirmed=False)
        request.session[SETUP_DEVICE_KEY] = device.pk
    return device


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


def enrol_start(request, token):
    """The one-time link: used up at once and remembered in this session only, then a
    redirect so the token does not stay in the address bar or history."""
    link = do_open_enrolment_link(token=token)
    if link is None:
        return render(request, "workspace/enrol_invalid.html", status=404)
    logout(request)
    request.session[ENROLMENT_KEY] = link.pk
    return redirect("workspace:enrol")


def enrol(request):
    link = EnrolmentLink.objects.filter(
        pk=request.session.get(ENROLMENT_KEY) or 0,
        completed_at=None,
        expires_at__gt=timezone.now(),
    ).first()
    if link is None:
        return render(request, "workspace/enrol_invalid.html", status=404)
    form = SetPasswordForm(link.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = do_complete_enrolment(link=link, password=form.cleaned_data["new_password1"])
        request.session.pop(ENROLMENT_KEY, None)
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("workspace:login-setup")
    context = {"form": form, "username": link.user.get_username()}
    return render(request, "workspace/enrol.html", context, status=400 if form.is_bound else 200)


@staff_view()
def password_change(request):
    if profile_of(request.user).signs_in_with != "local":
        raise PermissionDenied
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        do_change_password(user=request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your password was changed."))
        return redirect("workspace:index")
    context = {"form": form, "title": _("Change password"), "back": "workspace:index"}
    return render(request, "workspace/form.html", context, status=400 if form.is_bound else 200)
