"""What the benchmark requests, chosen from the seeded database, and the SQL each request costs.

Every read has a floor twin (bench/floor.py) with the same path under /bench/floor/. Query
counts come from Django's test client in this process against the same database: the number of
statements per request is what must stay constant from 20k to 1M rows.
"""
import calendar
import json
from dataclasses import dataclass

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bench.one_timing import FILTER_DATASET
from bench.seed import BENCH_USER
from mirror.actions.models import Session
from mirror.people.models import User

POST_PROTOCOL = "_bench_post"  # sessions the write benchmark makes, deleted afterwards


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    method: str = "GET"
    body: str | None = None

    @property
    def floor(self) -> str | None:
        return f"/bench/floor{self.path}" if self.method == "GET" else None


def token() -> str:
    return Token.objects.get_or_create(user=User.objects.get(username=BENCH_USER))[0].key


def targets() -> list[Target]:
    """The issue's ten requests; the session read is the middle one of a mid-table subject."""
    sessions = Session.objects.order_by("-start_time", "id")
    count = sessions.count()
    middle = sessions.select_related("subject")[count // 2]
    ids = ",".join(f"'{pk}'" for pk in sessions.values_list("pk", flat=True)[1000:1050])
    month = middle.start_time.strftime("%Y-%m")
    post = json.dumps({"subject": middle.subject.nickname, "start_time": "2020-06-01T10:00:00",
                       "number": 1, "users": [BENCH_USER], "projects": [],
                       "task_protocol": POST_PROTOCOL, "type": "Experiment"})
    return [
        Target("sessions?limit=100", "/sessions?limit=100"),
        Target("sessions?subject=<nick>", f"/sessions?subject={middle.subject.nickname}"),
        Target("sessions?date_range=<a month>",
               f"/sessions?date_range={month}-01,{month}-{_month_end(middle.start_time)}"),
        Target("sessions?datasets=<name>", f"/sessions?datasets={FILTER_DATASET}"),
        Target("sessions/<id>", f"/sessions/{middle.pk}"),
        Target("datasets?session=<id>", f"/datasets?session={middle.pk}"),
        Target("sessions?django=pk__in (50 ids)", f"/sessions?django=pk__in,({ids})"),
        Target("datasets?limit=1000", "/datasets?limit=1000"),
        Target("POST sessions", "/sessions", "POST", post),
        Target("PATCH sessions/<id>", f"/sessions/{middle.pk}", "PATCH",
               json.dumps({"narrative": "benchmarked"})),
    ]


def _month_end(moment) -> str:
    return f"{calendar.monthrange(moment.year, moment.month)[1]:02d}"


def queries_per_request(target: Target) -> tuple[int, bool]:
    """SQL statements a request makes once the process is warm, token lookup included (the
    first request may add one-off work, such as Django asking SQLite once whether it has JSON
    functions; the POSTs' sessions are kept until `cleanup`), and whether the first request
    counted matching rows (a full page of a filtered list: a count the process may keep,
    mirror.core.kept_counts)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token()}")
    statements = {}
    for attempt in ("warm-up", "counted"):
        with CaptureQueriesContext(connection) as context:
            response = getattr(client, target.method.lower())(
                target.path, data=target.body, content_type="application/json")
        if response.status_code >= 300:
            raise RuntimeError(f"{target.method} {target.path} ({attempt}): "
                               f"{response.status_code}")
        statements[attempt] = [query["sql"] for query in context.captured_queries]
    counts = target.method == "GET" and any("COUNT(*)" in sql for sql in statements["warm-up"])
    return len(statements["counted"]), counts


def cleanup() -> int:
    """Delete what the write benchmark made; returns how many sessions."""
    return Session.objects.filter(task_protocol=POST_PROTOCOL).delete()[1].get(
        "actions.Session", 0)
