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
from mirror.core.one_params import DATA_SERVER_PWD, one_params
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
    """Every endpoint of the API, by name, as absolute URLs.

    Files are not listed: `/data/` serves files only, by path; `one-params` names where.
    """

    permission_classes = (AllowAny,)
    endpoints: tuple[str, ...] = ()

    @extend_schema(exclude=True)
    def get(self, request):
        base = f"{request.scheme}://{request.get_host()}"
        index = {name: f"{base}/{name}" for name in self.endpoints}
        index.update({"auth-token": f"{base}/auth-token", "api-schema": f"{base}/api/schema",
                      "docs": f"{base}/docs", "health": f"{base}/health",
                      "cache-info": f"{base}/cache/info", "one-params": f"{base}/one-params",
                      "admin": f"{base}/admin/"})
        return Response(index)


class OneParamsView(APIView):
    """The settings ONE needs for this server and cannot discover from the REST API.

    ONE keeps, per database, where it downloads files from (`HTTP_DATA_SERVER`) and which login it
    sends there. Without them it downloads from its default server, another institute's. This
    answers them to anyone, logged in or not: there is no secret here. A logged-in request also
    gets its own username as the data-server login; the password is never sent.
    """

    permission_classes = (AllowAny,)

    @extend_schema(responses={200: inline_serializer("OneParams", {
        "ALYX_URL": serializers.CharField(help_text="This server's base URL (ONE's `base_url`)."),
        "HTTP_DATA_SERVER": serializers.CharField(help_text="Where ONE downloads files."),
        "HTTP_DATA_SERVER_LOGIN": serializers.CharField(
            allow_null=True, help_text="The data-server login: your username when you are "
            "logged in and files need a login, else null."),
        "files_auth": serializers.ChoiceField(
            choices=("basic", "none"), help_text="`basic`: files need your username and "
            "password (HTTP Basic); `none`: anyone may download them.")})})
    def get(self, request):
        user = request.user
        params = one_params(base_url=settings.MIRROR_PUBLIC_URL,
                            username=user.get_username() if user.is_authenticated else None,
                            files_prefix=settings.MIRROR_FILES_PREFIX,
                            files_auth=settings.MIRROR_FILES_AUTH)
        params.pop(DATA_SERVER_PWD)
        params.pop("ALYX_LOGIN")
        return Response({**params, "files_auth": settings.MIRROR_FILES_AUTH})
