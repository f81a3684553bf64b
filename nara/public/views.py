"""Resident-facing pages. Plain function views; everything works without JavaScript."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.db import connection
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from nara.core import queries
from nara.core.actions.content import do_submit_feedback
from nara.core.models import Area, Center, MythFact, Service
from nara.core.queries import local_now
from nara.lib import calendar
from nara.lib.languages import language_names
from nara.lib.topics import SENSITIVE_TOPICS, TOPIC_TITLES, TOPICS

from . import maps, page_cache
from .context import language_links
from .forms import FeedbackForm, FindForm, LocationForm
from .guard import limit_reached
from .topic_content import TOPIC_TEXTS


def csrf_failure(request, reason=""):
    """Shown when a form's CSRF check fails: in the site's language and layout, no details."""
    return render(request, "403_csrf.html", status=403)


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def choose_language(request, code):
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def home(request):
    context = _find_context(FindForm())
    return page_cache.serve(request, _static_page(request, "public/home.html", **context))


def _find_context(form, **extra):
    names = queries.resident_areas().values_list("name", flat=True)
    return {"form": form, "area_names": names, **extra}


@require_GET
def find(request):
    if "area" in request.GET:
        code = request.GET["area"].replace("\x00", "")[:32]
        area = Area.objects.filter(code=code).first()
        if area is None:
            return _find_again(request, FindForm(), _("We could not find that area."))
        return _area_result(request, area)
    form = FindForm(request.GET)
    if not form.is_valid():
        return render(request, "public/home.html", _find_context(form), status=400)
    if form.cleaned_data["postcode"]:
        postcode = form.cleaned_data["postcode"]
        areas = queries.areas_for_postcode(postcode)
        if not areas:
            message = _(
                "We do not know the postcode %(postcode)s. Check the number, or choose your area."
            ) % {"postcode": request.GET.get("postcode", "").strip()[:10]}
            return _find_again(request, form, message)
        if len(areas) > 1:
            # The postcode spans areas: the resident chooses; we do not guess for them.
            shown = f"{postcode[:3]} {postcode[3:]}"
            return render(request, "public/area_choices.html", {"areas": areas, "postcode": shown})
        return _area_result(request, areas[0])
    matches = queries.areas_matching(form.cleaned_data["q"])
    if len(matches) == 1:
        return _area_result(request, matches[0])
    if not matches:
        return _find_again(request, form, _("We found no area with that name. Try another."))
    return render(request, "public/area_choices.html", {"areas": matches})


def _find_again(request, form, message):
    return render(request, "public/home.html", _find_context(form, find_error=message), status=404)


@require_POST
def find_by_location(request):
    form = LocationForm(request.POST)
    if not form.is_valid():
        return _find_again(request, FindForm(), _("Your position could not be read."))
    lat, lon = form.cleaned_data["lat"], form.cleaned_data["lon"]
    area = queries.area_at_point(lon, lat)
    if area is None:
        message = _("Your position is outside the areas we serve. Choose your area instead.")
        return _find_again(request, FindForm(), message)
    return _area_result(request, area)


def _area_result(request, area):
    """Where to go from an area. Kept under the area's own address however it was found."""
    address = f"{reverse('public:find')}?{urlencode({'area': area.code})}"

    def build(extra):
        # Read again: the row given was fetched before the content version was.
        fresh = Area.objects.filter(pk=area.pk).first() or area
        now = local_now()
        centers = queries.centers_serving(fresh, now.date())
        nearest, distance = (None, None)
        if not centers:
            nearest, distance = queries.nearest_center(fresh.centroid_lon, fresh.centroid_lat)
        plans = [queries.center_plan(c, now.date()) for c in centers]
        statuses = [(c, calendar.status_at(p, now)) for c, p in zip(centers, plans, strict=True)]
        context = {
            "area": fresh,
            "statuses": statuses,
            "nearest": nearest,
            "distance_km": _km(distance),
            "page_path": address,
            "language_links": language_links(address),
        }
        response = render(request, "public/find_result.html", context | extra)
        return response, min((calendar.next_change(p, now) for p in plans), default=None)

    return page_cache.serve(request, build, canonical_url=address)


def _km(metres):
    return None if metres is None else round(metres / 1000, 1)


def area_list(request):
    return page_cache.serve(
        request,
        _static_page(
            request, "public/area_list.html", areas=queries.resident_areas().only("code", "name")
        ),
    )


def center_list(request):
    centers = Center.objects.filter(is_published=True)
    return page_cache.serve(
        request, _static_page(request, "public/center_list.html", centers=centers)
    )


def _static_page(request, template, **context):
    """A page that changes only with the content: kept until the content version changes."""

    def build(extra):
        return render(request, template, context | extra), None

    return build


def center_detail(request, slug):
    def build(extra):
        center = get_object_or_404(
            Center.objects.prefetch_related(*queries.plan_prefetches(local_now().date())),
            slug=slug,
            is_published=True,
        )
        now = local_now()
        plan = queries.center_plan(center, now.date())
        services = list(center.services.all())
        context = {
            "center": center,
            "status": calendar.status_at(plan, now),
            "week": plan[:7],
            "today": now.date(),
            "staff": center.staff.all(),
            "languages": language_names(center.languages),
            "services": services,
            "documentation_levels": sorted({s.documentation_level for s in services}),
            "catchment_areas": Area.objects.filter(catchments__center=center).only("code", "name"),
        }
        response = render(request, "public/center_detail.html", context | extra)
        return response, calendar.next_change(plan, now)

    return page_cache.serve(request, build)


def center_map(request, slug):
    center = get_object_or_404(Center, slug=slug, is_published=True)
    svg = maps.catchment_svg(center)
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=3600"
    return response


def topic_list(request):
    return page_cache.serve(request, _static_page(request, "public/topic_list.html", topics=TOPICS))


def topic_detail(request, slug):
    if slug not in TOPIC_TITLES:
        raise Http404
    services = Service.objects.filter(topic=slug).prefetch_related("centers")
    centers = Center.objects.filter(services__topic=slug, is_published=True).distinct()
    context = {
        "slug": slug,
        "title": TOPIC_TITLES[slug],
        "text": TOPIC_TEXTS[slug],
        "services": services,
        "centers": centers,
        "sensitive": slug in SENSITIVE_TOPICS,
    }
    return page_cache.serve(request, _static_page(request, "public/topic_detail.html", **context))


def myths(request):
    items = MythFact.objects.filter(is_published=True)
    return page_cache.serve(request, _static_page(request, "public/myths.html", items=items))


@require_POST
def feedback(request):
    form = FeedbackForm(request.POST)
    back = request.POST.get("path", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts=None) or not back.startswith("/"):
        back = f"/{get_language()}/"
    if not form.is_valid():
        messages.error(request, _("Choose yes or no before you send."))
        return redirect(back + "#feedback")
    if _feedback_limit_reached(request):
        messages.error(request, _("Thank you. We have received many answers; try again later."))
        return redirect(back + "#feedback")
    do_submit_feedback(
        path=urlsplit(back).path[:200],  # which page, never which area someone looked up
        language=get_language(),
        helpful=form.cleaned_data["helpful"],
        comment=form.cleaned_data["comment"],
    )
    messages.success(request, _("Thank you for your answer."))
    return redirect(back + "#feedback")


def _feedback_limit_reached(request):
    # Counted under a keyed hash of the address, never stored with answers (see guard.py).
    return limit_reached(request, "feedback", settings.NARA_FEEDBACK_PER_HOUR)
