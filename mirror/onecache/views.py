"""`/cache/info[/<tag>]` and `/cache.zip` (`/cache/<tag>.zip`): what ONE's `load_cache()` asks.

ONE reads the info, compares its `date_created` with the tables it has, and downloads the zip
only when the server's are newer. The zip answers conditional requests (ETag, Last-Modified)
so other clients can revalidate a copy for the price of a 304.
"""
import os

from django.http import FileResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from mirror.onecache import store

NOT_BUILT = OpenApiResponse(description="No tables built yet (for this tag).")
INFO_RESPONSES = {200: OpenApiResponse(
    OpenApiTypes.OBJECT, description="`date_created`, `origin`, `min_api_version`, "
    "`database_tags` (tagged tables), `location` (the zip), `tables` (`nrecs`, `size` of each)."),
    404: NOT_BUILT}
ZIP_RESPONSES = {
    (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY),
    304: OpenApiResponse(description="Unchanged since If-None-Match / If-Modified-Since."),
    404: NOT_BUILT}
TAG = OpenApiParameter("tag", str, OpenApiParameter.PATH,
                       description="A dataset tag's name (tables built with `--tag <name>`).")


def _not_built(tag: str | None) -> NotFound:
    option = f" --tag {tag}" if tag else ""
    return NotFound(f"No ONE cache tables{f' for tag {tag}' if tag else ''} have been built: an "
                    f"administrator runs `python manage.py mirror_one_cache{option}`.")


def _zip_url(request, tag: str | None) -> str:
    return request.build_absolute_uri("/cache.zip" if tag is None else f"/cache/{tag}.zip")


class CacheInfoView(APIView):
    """When the cache tables were built, from where, how many rows, and where to download them."""

    @extend_schema(operation_id="cache_info", responses=INFO_RESPONSES)
    def get(self, request, tag: str | None = None):
        info = store.read_info(tag)
        if info is None:
            raise _not_built(tag)
        return Response({**info, "location": _zip_url(request, tag)})


class CacheZipView(APIView):
    """The cache tables: `sessions.pqt`, `datasets.pqt` and `cache_info.json` in one zip."""

    @extend_schema(operation_id="cache_zip", responses=ZIP_RESPONSES)
    def get(self, request, tag: str | None = None):
        path = store.zip_path(tag)
        try:
            if path is None:
                raise FileNotFoundError(tag)
            bundle = path.open("rb")
        except FileNotFoundError:
            raise _not_built(tag) from None
        stat = os.fstat(bundle.fileno())  # the file opened: a rebuild replaces, never edits
        etag, modified = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"', int(stat.st_mtime)
        unchanged = get_conditional_response(request, etag=etag, last_modified=modified)
        if unchanged is not None:
            bundle.close()
            return unchanged
        response = FileResponse(bundle, as_attachment=True, filename="cache.zip",
                                content_type="application/zip")
        response["ETag"], response["Last-Modified"] = etag, http_date(modified)
        return response

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)  # the zip, whatever Accept


class TaggedCacheInfoView(CacheInfoView):
    """The same, for the tables of one dataset tag (`manage.py mirror_one_cache --tag`)."""

    @extend_schema(operation_id="cache_info_tag", parameters=[TAG],
                   responses=INFO_RESPONSES)
    def get(self, request, tag: str | None = None):
        return super().get(request, tag)


class TaggedCacheZipView(CacheZipView):
    """The same, for the tables of one dataset tag."""

    @extend_schema(operation_id="cache_zip_tag", parameters=[TAG],
                   responses=ZIP_RESPONSES)
    def get(self, request, tag: str | None = None):
        return super().get(request, tag)
