"""The OpenAPI document, its browsable documentation and the public HSDS directory (/api/v1/)."""

from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from . import directory_views as views

V1 = "v1/"
urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:openapi"), name="docs"),
    path(V1, views.meta, name="hsds-meta"),
    path(V1 + "organizations", views.organization_list, name="hsds-organizations"),
    path(V1 + "organizations/<str:id>", views.organization_detail, name="hsds-organization"),
    path(V1 + "services", views.service_list, name="hsds-services"),
    path(V1 + "services/<str:id>", views.service_detail, name="hsds-service"),
    path(
        V1 + "service_at_locations",
        views.service_at_location_list,
        name="hsds-service-at-locations",
    ),
    path(
        V1 + "service_at_locations/<str:id>",
        views.service_at_location_detail,
        name="hsds-service-at-location",
    ),
    path(V1 + "locations", views.location_list, name="hsds-locations"),
    path(V1 + "locations/<str:id>", views.location_detail, name="hsds-location"),
    path(V1 + "schedules", views.schedule_list, name="hsds-schedules"),
    path(V1 + "schedules/<str:id>", views.schedule_detail, name="hsds-schedule"),
    path(V1 + "languages", views.language_list, name="hsds-languages"),
    path(V1 + "service_areas", views.service_area_list, name="hsds-service-areas"),
    path(V1 + "taxonomies", views.taxonomy_list, name="hsds-taxonomies"),
    path(V1 + "taxonomies/<str:id>", views.taxonomy_detail, name="hsds-taxonomy"),
    path(V1 + "taxonomy_terms", views.taxonomy_term_list, name="hsds-taxonomy-terms"),
    path(V1 + "taxonomy_terms/<str:id>", views.taxonomy_term_detail, name="hsds-taxonomy-term"),
    path(V1 + "tabular/datapackage.json", views.tabular_datapackage, name="hsds-datapackage"),
    path(V1 + "tabular/hsds.zip", views.tabular_zip, name="hsds-zip"),
    path(V1 + "tabular/<str:file>", views.tabular_table, name="hsds-table"),
]
