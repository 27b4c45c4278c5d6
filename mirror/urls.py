"""Alyx's URL contract: one router for every resource, no trailing slashes."""
from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from importers.api import ImportRunViewSet
from importers.labvanced import webhook as labvanced_webhook
from mirror.actions.views import SessionViewSet
from mirror.core.views import AuthTokenView, EndpointIndexView, HealthView, OneParamsView
from mirror.data import views as data_views
from mirror.data.serving import serve_data_file
from mirror.onecache.views import (
    CacheInfoView,
    CacheZipView,
    TaggedCacheInfoView,
    TaggedCacheZipView,
)
from mirror.people.views import LabViewSet, UserViewSet
from mirror.subjects.views import ProjectViewSet, SubjectViewSet

ENDPOINTS = {
    "labs": LabViewSet,
    "users": UserViewSet,
    "projects": ProjectViewSet,
    "subjects": SubjectViewSet,
    "sessions": SessionViewSet,
    "datasets": data_views.DatasetViewSet,
    "files": data_views.FileRecordViewSet,
    "data-repository": data_views.DataRepositoryViewSet,
    "data-formats": data_views.DataFormatViewSet,
    "dataset-types": data_views.DatasetTypeViewSet,
    "revisions": data_views.RevisionViewSet,
    "tags": data_views.TagViewSet,
}

admin.site.site_header = "Alyx mirror administration"
admin.site.site_title = "Alyx mirror admin"
admin.site.index_title = "Lab data mirrored from Labvanced, Labstep and HyperStudy"
admin.site.enable_nav_sidebar = False  # its 250 px went from every list; Home is in the breadcrumbs

router = SimpleRouter(trailing_slash=False)
for prefix, viewset in ENDPOINTS.items():
    router.register(prefix, viewset, basename=prefix)
router.register("import-runs", ImportRunViewSet, basename="import-runs")

urlpatterns = [
    path("", EndpointIndexView.as_view(endpoints=(*ENDPOINTS, "import-runs")), name="index"),
    path("health", HealthView.as_view(), name="health"),
    path("favicon.ico", RedirectView.as_view(url=static("mirror/favicon.svg")), name="favicon"),
    path("auth-token", AuthTokenView.as_view(), name="auth-token"),
    path("one-params", OneParamsView.as_view(), name="one-params"),
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema")),
    path("auth/", include("rest_framework.urls")),
    path("admin/", admin.site.urls),
    path(f"{settings.MIRROR_FILES_PREFIX}/<path:path>", serve_data_file, name="data-file"),
    # ONE asks `cache/info` without a slash, Alyx documents it with one: both answer
    re_path(r"^cache/info/?$", CacheInfoView.as_view(), name="cache-info"),
    re_path(r"^cache/info/(?P<tag>[\w.-]+)/?$", TaggedCacheInfoView.as_view(),
            name="cache-info-tag"),
    path("cache.zip", CacheZipView.as_view(), name="cache-zip"),
    re_path(r"^cache/(?P<tag>[\w.-]+)\.zip$", TaggedCacheZipView.as_view(), name="cache-zip-tag"),
    path("hooks/labvanced/<str:token>/<str:route>", labvanced_webhook.receive,
         name="labvanced-webhook"),
    *router.urls,
]
if settings.MIRROR_BENCH:  # benchmark-only floor views (bench/floor.py), never in production
    urlpatterns.append(path("bench/", include("bench.urls")))
