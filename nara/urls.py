from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from django.views.static import serve

from nara.public import views as public_views
from nara.workspace import oidc

urlpatterns = [
    path("healthz", public_views.healthz, name="healthz"),
    path("language/<str:code>/", public_views.choose_language, name="choose-language"),
    path("staff/", include("nara.workspace.urls")),
    path("api/", include("nara.api.urls")),
    # Un-namespaced: mozilla-django-oidc reverses these names itself.
    path("staff/sso/start/", oidc.start, name="oidc_authentication_init"),
    path("staff/sso/callback/", oidc.callback, name="oidc_authentication_callback"),
]
urlpatterns += i18n_patterns(path("", include("nara.public.urls")), prefix_default_language=True)

if settings.DEBUG:
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]

handler403 = "nara.workspace.errors.permission_denied"
handler404 = "nara.workspace.errors.page_not_found"
handler500 = "nara.workspace.errors.server_error"
