"""A deliberately slow query behind the real middleware (tests/core/test_statement_timeout.py):
one DRF view, one plain Django view."""
from django.db import connection
from django.http import JsonResponse
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

#: Many seconds of work on each database (SQLite counts, PostgreSQL sleeps).
SLOW_SQL = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s) "
              "SELECT count(*) FROM n",
    "postgresql": "SELECT pg_sleep(%s / 10000000.0)",
}


def slow_query(steps: int = 100_000_000):
    with connection.cursor() as cursor:
        cursor.execute(SLOW_SQL[connection.vendor], [steps])
        return cursor.fetchone()[0]


class SlowView(APIView):
    permission_classes = (AllowAny,)
    authentication_classes = ()

    def get(self, request):
        return Response({"result": slow_query()})


def slow_plain_view(request):
    return JsonResponse({"result": slow_query()})


urlpatterns = [path("slow", SlowView.as_view()), path("slow-plain", slow_plain_view)]
