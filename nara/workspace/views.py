"""Staff workspace. Every view requires a signed-in staff account (deny by default)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, user_passes_test
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from nara.core.actions.centers import do_create, do_update
from nara.core.models import MythFact, PageFeedback

from .forms import MythFactForm


def staff_required(view):
    return login_required(
        user_passes_test(lambda u: u.is_staff, login_url="workspace:login")(view),
        login_url="workspace:login",
    )


@staff_required
def index(request):
    return render(request, "workspace/index.html")


@staff_required
def feedback_list(request):
    answers = PageFeedback.objects.all()[:200]
    return render(request, "workspace/feedback.html", {"answers": answers})


@staff_required
def myth_list(request):
    return render(request, "workspace/myths.html", {"items": MythFact.objects.all()})


@staff_required
def myth_edit(request, pk=None):
    item = get_object_or_404(MythFact, pk=pk) if pk else None
    form = MythFactForm(request.POST or None, instance=item, locales=_locales())
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        if item:
            do_update(
                actor=request.user,
                obj=item,
                fields=fields,
                client_address=request.META.get("REMOTE_ADDR"),
            )
        else:
            do_create(
                actor=request.user,
                model=MythFact,
                fields=fields,
                client_address=request.META.get("REMOTE_ADDR"),
            )
        messages.success(request, _("Saved."))
        return redirect("workspace:myths")
    return render(request, "workspace/myth_edit.html", {"form": form, "item": item})


def _locales():
    return [code for code, _name in settings.LANGUAGES]
