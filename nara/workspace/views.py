"""Workspace start page, page feedback and public content (myths and facts)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from nara.core import access
from nara.core.actions.centers import do_create, do_update
from nara.core.models import MythFact, PageFeedback, Role

from . import translations
from .admin_forms import LOCALES
from .decorators import staff_view
from .forms import MythFactForm


@staff_view()
def index(request):
    """The list of tools: the start page for those without a centre role (see today_views)."""
    return render(request, "workspace/index.html", index_context(request.user))


def index_context(user):
    """Which tools the start page offers; the today view lists them too."""
    return {
        "roles": access.memberships(user),
        "is_admin": access.is_admin(user),
        "is_reviewer": access.has_role(user, Role.ADMINISTRATOR, Role.CENTRE_MANAGER),
        "has_centre": access.has_role(user, Role.SOCIAL_WORKER, Role.CENTRE_MANAGER),
        "is_analyst": access.has_role(user, Role.ANALYST, Role.ADMINISTRATOR),
    }


@staff_view(Role.ADMINISTRATOR, Role.CENTRE_MANAGER)
def feedback_list(request):
    answers = PageFeedback.objects.all()[:200]
    return render(request, "workspace/feedback.html", {"answers": answers})


@staff_view(Role.ADMINISTRATOR, Role.CENTRE_MANAGER)
def missing_translations(request):
    """Public texts of the user's centres that residents read in Swedish for want of a
    translation."""
    context = {
        "centres": translations.missing_by_centre(request.user),
        "languages": translations.TARGET_LANGUAGES,
    }
    return render(request, "workspace/missing_translations.html", context)


@staff_view(Role.ADMINISTRATOR)
def myth_list(request):
    return render(request, "workspace/myths.html", {"items": MythFact.objects.all()})


@staff_view(Role.ADMINISTRATOR)
def myth_edit(request, pk=None):
    item = get_object_or_404(MythFact, pk=pk) if pk else None
    form = MythFactForm(request.POST or None, instance=item, locales=LOCALES)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        if item:
            do_update(actor=request.user, obj=item, fields=fields)
        else:
            do_create(actor=request.user, model=MythFact, fields=fields)
        messages.success(request, _("Saved."))
        return redirect("workspace:myths")
    context = {"form": form, "title": _("Myths and facts"), "back": "workspace:myths"}
    return render(request, "workspace/form.html", context, status=400 if form.is_bound else 200)
