"""Staff accounts and their roles, for administrators."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from nara.core.actions.staff import (
    do_create_staff_user,
    do_decide_role_request,
    do_record_own_roles_attempt,
    do_set_memberships,
    profile_of,
)
from nara.core.actions.staff_credentials import (
    do_issue_enrolment_link,
    do_reset_credentials,
)
from nara.core.models import Center, Partner, Role, RoleGrantRequest

from .decorators import staff_view


class RolesForm(forms.Form):
    administrator = forms.BooleanField(required=False, label=Role.ADMINISTRATOR.label)
    analyst = forms.BooleanField(required=False, label=Role.ANALYST.label)
    social_worker = forms.ModelMultipleChoiceField(
        Center.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Social worker at"),
    )
    centre_manager = forms.ModelMultipleChoiceField(
        Center.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Centre manager at"),
    )
    partner_user = forms.ModelMultipleChoiceField(
        Partner.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Partner user at"),
    )

    def roles(self):
        data = self.cleaned_data
        roles = [(r, None, None) for r in (Role.ADMINISTRATOR, Role.ANALYST) if data[r]]
        roles += [(Role.SOCIAL_WORKER, c, None) for c in data["social_worker"]]
        roles += [(Role.CENTRE_MANAGER, c, None) for c in data["centre_manager"]]
        roles += [(Role.PARTNER_USER, None, p) for p in data["partner_user"]]
        return roles

    @classmethod
    def initial_for(cls, user):
        members = list(user.memberships.all())
        initial = {r: any(m.role == r for m in members) for r in (Role.ADMINISTRATOR, Role.ANALYST)}
        for role in (Role.SOCIAL_WORKER, Role.CENTRE_MANAGER):
            initial[role] = [m.center_id for m in members if m.role == role]
        initial[Role.PARTNER_USER] = [m.partner_id for m in members if m.role == Role.PARTNER_USER]
        return initial


class NewUserForm(RolesForm):
    username = forms.RegexField(regex=r"^[\w.@+-]{2,150}$", label=gettext_lazy("Username"))
    first_name = forms.CharField(max_length=150, label=gettext_lazy("First name"))
    last_name = forms.CharField(max_length=150, label=gettext_lazy("Last name"))
    email = forms.EmailField(
        required=False,
        label=gettext_lazy("E-mail"),
        help_text=gettext_lazy("Told when the password, second factor or roles change."),
    )
    field_order = ["username", "first_name", "last_name", "email"]

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username=username).exists():
            raise forms.ValidationError(_("That username is taken."))
        return username


@staff_view(Role.ADMINISTRATOR)
def user_list(request):
    users = get_user_model().objects.filter(is_staff=True).prefetch_related("memberships")
    pending = RoleGrantRequest.objects.filter(decided_at=None).select_related(
        "user", "center", "requested_by"
    )
    context = {"users": users, "pending": pending}
    return render(request, "workspace/user_list.html", context)


@staff_view(Role.ADMINISTRATOR)
def user_create(request):
    form = NewUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = do_create_staff_user(
            actor=request.user,
            username=data["username"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            roles=form.roles(),
        )
        token = do_issue_enrolment_link(actor=request.user, user=user)
        return _show_enrolment_link(request, user, token, _("Account created."))
    context = {"form": form, "title": _("New staff account"), "back": "workspace:users"}
    return render(request, "workspace/form.html", context, status=400 if form.is_bound else 200)


@staff_view(Role.ADMINISTRATOR)
def user_roles(request, pk):
    user = get_object_or_404(get_user_model(), pk=pk, is_staff=True)
    form = RolesForm(request.POST or None, initial=RolesForm.initial_for(user))
    if user == request.user:
        if request.method == "POST":
            do_record_own_roles_attempt(actor=request.user)
        messages.error(request, _("No one can change their own roles. Ask another administrator."))
        return redirect("workspace:users")
    if request.method == "POST" and form.is_valid():
        waiting = do_set_memberships(actor=request.user, user=user, roles=form.roles())
        if waiting:
            messages.info(request, _(WAITING))
        messages.success(request, _("Saved."))
        return redirect("workspace:users")
    context = {
        "form": form,
        "title": user.get_username(),
        "back": "workspace:users",
        "reset": profile_of(user).signs_in_with == "local",
        "account": user,
    }
    return render(request, "workspace/user.html", context, status=400 if form.is_bound else 200)


WAITING = gettext_lazy(
    "A casework role for an administrator waits for another administrator's approval."
)


def _show_enrolment_link(request, user, token, headline):
    link = request.build_absolute_uri(reverse("workspace:enrol-start", args=[token]))
    context = {"account": user, "link": link, "headline": headline}
    response = render(request, "workspace/enrol_link.html", context)
    response["Cache-Control"] = "no-store"
    return response


@staff_view(Role.ADMINISTRATOR)
@require_POST
def user_reset(request, pk):
    user = get_object_or_404(get_user_model(), pk=pk, is_staff=True)
    if user == request.user or profile_of(user).signs_in_with != "local":
        raise PermissionDenied
    token = do_reset_credentials(actor=request.user, user=user)
    return _show_enrolment_link(
        request, user, token, _("Password and second factor were reset. All sessions ended.")
    )


@staff_view(Role.ADMINISTRATOR)
@require_POST
def role_request_decide(request, pk):
    role_request = get_object_or_404(RoleGrantRequest, pk=pk, decided_at=None)
    try:
        do_decide_role_request(
            actor=request.user, request=role_request, approve=request.POST.get("approve") == "1"
        )
    except PermissionError:
        messages.error(request, _("Another administrator must decide on this role."))
        return redirect("workspace:users")
    messages.success(request, _("Saved."))
    return redirect("workspace:users")
