"""Staff accounts and their roles, for administrators."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nara.core.actions.staff import do_create_staff_user, do_set_memberships
from nara.core.models import Center, Partner, Role

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
    password = forms.CharField(
        widget=forms.PasswordInput,
        label=gettext_lazy("Password"),
        help_text=gettext_lazy("At least 12 characters. A second factor is set up at sign-in."),
    )
    field_order = ["username", "first_name", "last_name", "password"]

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username=username).exists():
            raise forms.ValidationError(_("That username is taken."))
        return username

    def clean_password(self):
        validate_password(self.cleaned_data["password"])
        return self.cleaned_data["password"]


@staff_view(Role.ADMINISTRATOR)
def user_list(request):
    users = get_user_model().objects.filter(is_staff=True).prefetch_related("memberships")
    return render(request, "workspace/user_list.html", {"users": users})


@staff_view(Role.ADMINISTRATOR)
def user_create(request):
    form = NewUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        do_create_staff_user(
            actor=request.user,
            username=data["username"],
            password=data["password"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            roles=form.roles(),
        )
        messages.success(request, _("Account created."))
        return redirect("workspace:users")
    context = {"form": form, "title": _("New staff account"), "back": "workspace:users"}
    return render(request, "workspace/form.html", context, status=400 if form.is_bound else 200)


@staff_view(Role.ADMINISTRATOR)
def user_roles(request, pk):
    user = get_object_or_404(get_user_model(), pk=pk, is_staff=True)
    form = RolesForm(request.POST or None, initial=RolesForm.initial_for(user))
    if request.method == "POST" and form.is_valid():
        do_set_memberships(actor=request.user, user=user, roles=form.roles())
        messages.success(request, _("Saved."))
        return redirect("workspace:users")
    context = {"form": form, "title": user.get_username(), "back": "workspace:users"}
    return render(request, "workspace/form.html", context, status=400 if form.is_bound else 200)
