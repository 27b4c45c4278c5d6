"""Views outside the resource endpoints: health, login token, and the endpoint index."""
from django.conf import settings
from django.db import DatabaseError, connection
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from mirror.core import login_throttle
from mirror.core.parsers import BoundedJSONParser


class HealthView(APIView):
    """Is the service up and its database reachable? No authentication needed."""

    permission_classes = (AllowAny,)
    authentication_classes = ()

    @extend_schema(responses={200: inline_serializer("Health", {
        "status": serializers.CharField(help_text="`ok`, or `degraded` if the database is down."),
        "database": serializers.CharField(help_text="`ok` or `unreachable`."),
        "version": serializers.CharField(help_text="The mirror's version.")}),
        503: OpenApiResponse(description="Database down.")})
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            database, code = "ok", 200
        except DatabaseError:
            database, code = "unreachable", 503
        return Response({"status": "ok" if code == 200 else "degraded", "database": database,
                         "version": settings.MIRROR_VERSION}, status=code)


class AuthTokenView(ObtainAuthToken):
    """Log in: username and password (form-encoded or JSON) give `{"token": …}`.

    Send it as `Authorization: Token <key>`. The same key is returned each time. Repeated
    failures for one username or from one address answer 429 with `Retry-After`.
    """

    parser_classes = (FormParser, MultiPartParser, BoundedJSONParser)

    @extend_schema(
        request=inline_serializer("AuthTokenRequest", {
            "username": serializers.CharField(help_text="Your username."),
            "password": serializers.CharField(help_text="Your password.")}),
        responses={200: inline_serializer("AuthToken", {"token": serializers.CharField(
            help_text="Send as `Authorization: Token <key>`.")}),
                   400: OpenApiResponse(description="Wrong username or password."),
                   429: OpenApiResponse(description="Too many failed logins for this username "
                                        "or from this address; `Retry-After` says when to retry.")},
    )
    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            if getattr(request, "axes_locked_out", False):  # set by axes during authenticate()
                username = request.data.get("username") if hasattr(request.data, "get") else None
                raise login_throttle.throttled(request, {"username": username}) from None
            raise


class EndpointIndexView(APIView):
    """Every endpoint of the API, by name, as absolute URLs."""

    permission_classes = (AllowAny,)
    endpoints: tuple[str, ...] = ()

    @extend_schema(exclude=True)
    def get(self, request):
        base = f"{request.scheme}://{request.get_host()}"
        index = {name: f"{base}/{name}" for name in self.endpoints}
        index.update({"auth-token": f"{base}/auth-token", "api-schema": f"{base}/api/schema",
                      "docs": f"{base}/docs", "health": f"{base}/health",
                      "cache-info": f"{base}/cache/info",
                      "admin": f"{base}/admin/", "data": f"{base}/{settings.MIRROR_FILES_PREFIX}/"})
        return Response(index)
