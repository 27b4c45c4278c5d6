"""Connections to source platforms, import runs, and the webhook staging of live sessions."""
import secrets
import uuid
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from mirror.core.models import FITS_INT32

SOURCES = [("labvanced", "Labvanced"), ("labstep", "Labstep"), ("hyperstudy", "HyperStudy")]
# Each platform's public API root: a connection without a base URL uses its source's.
PUBLIC_BASE_URLS = {"labvanced": "https://www.labvanced.com",
                    "labstep": "https://api.labstep.com",
                    "hyperstudy": "https://api.hyperstudy.io/api/v3"}


def base_url_problem(url: str) -> str | None:
    """Why `url` cannot be a connection's base URL (a message naming the fix), or None."""
    if not url:
        return "no base URL is set (a source's public API root: " + ", ".join(
            PUBLIC_BASE_URLS.values()) + ")"
    if "://" not in url:
        return (f"base URL {url!r} has no scheme: write https://{url} (or http://{url} for a "
                "server on this machine, such as the fake Labvanced)")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"base URL {url!r} is not an http:// or https:// address with a host"
    if parts.query or parts.fragment or parts.username or parts.password:
        return (f"base URL {_without_login(url)!r} may hold no query, fragment or login: the "
                "credential goes in --credential-env")
    try:
        parts.port  # noqa: B018 (an unreadable port raises)
    except ValueError:
        return f"base URL {url!r} has a port that is not a number from 0 to 65535"
    return None


def _without_login(url: str) -> str:
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def new_webhook_token() -> str:
    return secrets.token_urlsafe(32)


class Connection(models.Model):
    """What to mirror from where: a source, its base URL, a credential and a target.

    The credential is write-only: the API, the admin list and log lines never show it.
    `settings` holds per-connection details whose defaults live in each source's module
    (e.g. Labvanced's endpoint paths and auth header, unverified upstream).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.SlugField(max_length=100, unique=True,
                            help_text="Short name used on the command line.")
    source = models.CharField(max_length=32, choices=SOURCES)
    base_url = models.URLField(max_length=500, blank=True, default="",
                               help_text="The platform's API root, e.g. https://www.labvanced.com")
    credential = models.CharField(max_length=500, blank=True, default="",
                                  help_text="API token or key (write-only).")
    target = models.CharField(max_length=255, help_text="What to mirror: a Labvanced experiment "
                              "id, a Labstep workspace, a HyperStudy experiment.")
    lab = models.ForeignKey("people.Lab", on_delete=models.PROTECT, related_name="connections",
                            help_text="The lab the imported records belong to.")
    repository = models.ForeignKey("data.DataRepository", on_delete=models.PROTECT,
                                   related_name="connections",
                                   help_text="A local repository for the imported files.")
    settings = models.JSONField(default=dict, blank=True,
                                help_text="Source-specific settings (paths, auth header, rate).")
    webhook_token = models.CharField(max_length=64, unique=True, default=new_webhook_token,
                                     help_text="Secret path part of the webhook URL (Labvanced).")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self):
        return f"{self.name} ({self.source} {self.target})"

    def __repr__(self):  # never the credential
        return f"<Connection {self.name}: {self.source} {self.target}>"

    def clean(self):
        """A base URL (the source's public one when none is given), and one connection per
        study: imported records are keyed by source and upstream id, whatever the base URL, so
        a second connection to the same target would silently move the first one's records
        into its own lab."""
        self.base_url = (self.base_url or "").strip() or PUBLIC_BASE_URLS.get(self.source, "")
        problem = base_url_problem(self.base_url)
        if problem:
            raise ValidationError({"base_url": problem})
        first = Connection.objects.filter(source=self.source, target=self.target) \
            .exclude(pk=self.pk).select_related("lab").first()
        if first is not None:
            raise ValidationError({"target": (
                f"connection '{first.name}' already mirrors {self.source} {self.target} (into "
                f"lab {first.lab.name}); a second one would move its records. Change that one "
                f"instead (`manage.py mirror_connection {first.name} --lab …`, or the admin), "
                "or delete it first.")})

    @property
    def webhook_path(self) -> str:
        """The secret path that Labvanced's player posts to (its routes are appended)."""
        return f"/hooks/labvanced/{self.webhook_token}"

    @property
    def webhook_url(self) -> str:
        """The webhook's full URL as clients reach it (MIRROR_PUBLIC_URL); "" if not Labvanced."""
        if self.source != "labvanced":
            return ""
        return f"{django_settings.MIRROR_PUBLIC_URL}{self.webhook_path}"


class ImportRun(models.Model):
    """One run of an import: when, how it ended, and what it did (outcomes, not attempts)."""

    RUNNING, SUCCEEDED, PARTIAL, FAILED, ABANDONED = (
        "running", "succeeded", "partial", "failed", "abandoned")
    STATUSES = [(s, s) for s in (RUNNING, SUCCEEDED, PARTIAL, FAILED, ABANDONED)]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True,
                                        help_text="Last sign of life of a running import.")
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=STATUSES, default=RUNNING)
    host = models.CharField(max_length=255, blank=True, default="",
                            help_text="Machine the import runs on.")
    pid = models.PositiveIntegerField(null=True, blank=True, help_text="Its process id.")
    dry_run = models.BooleanField(default=False)
    origin = models.CharField(max_length=255, blank=True, default="",
                              help_text="`api`, or the file imported from.")
    created = models.PositiveIntegerField(default=0, validators=FITS_INT32)
    updated = models.PositiveIntegerField(default=0, validators=FITS_INT32)
    unchanged = models.PositiveIntegerField(default=0, validators=FITS_INT32)
    deleted = models.PositiveIntegerField(default=0, validators=FITS_INT32,
                                          help_text="Marked as deleted upstream.")
    failed = models.PositiveIntegerField(default=0, validators=FITS_INT32)
    counts = models.JSONField(default=dict, blank=True, help_text=(
        "The same outcomes per kind of record ({\"kinds\": {\"sessions\": {\"created\": 5}, "
        "…}}), the files written and their bytes, and notes (importers.core.counts)."))
    error = models.TextField(blank=True, default="", help_text="What went wrong, and what to do.")
    watermark = models.CharField(max_length=64, blank=True, default="", help_text=(
        "Upstream's time of the newest record this run read (HyperStudy): the next run asks "
        "for records from then on, less an overlap."))

    class Meta:
        ordering = ("-started_at",)
        constraints = [
            models.UniqueConstraint(fields=["connection"], condition=Q(status="running"),
                                    name="importers_one_running_import_per_connection"),
        ]

    def __str__(self):
        return f"{self.connection.name} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class LiveTrial(models.Model):
    """A trial posted by Labvanced's player during a session (webhook), kept once per key."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    exp_session_nr = models.CharField(max_length=64)
    rec_task_id = models.CharField(max_length=64, blank=True, default="")
    trial_nr = models.IntegerField()
    task = models.JSONField(default=dict, blank=True, help_text="Block and task of the trial.")
    data = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("received_at", "id")
        constraints = [
            models.UniqueConstraint(fields=["connection", "exp_session_nr", "rec_task_id",
                                            "trial_nr"], name="importers_live_trial_once"),
        ]


class LiveRecording(models.Model):
    """A session that the webhook opened, and whether the webhook may still write to it.

    The webhook's callers are anonymous browsers, so it only ever extends what it opened itself
    and is still running: a session that an import wrote (REST or export), one that finished or
    aborted, or one silent for MIRROR_WEBHOOK_IDLE_HOURS, takes no more webhook writes.
    """

    RUNNING, FINISHED, ABORTED, IMPORTED = "running", "finished", "aborted", "imported"
    STATUSES = [(s, s) for s in (RUNNING, FINISHED, ABORTED, IMPORTED)]

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    exp_session_nr = models.CharField(max_length=64)
    session = models.OneToOneField("actions.Session", on_delete=models.CASCADE,
                                   related_name="live_recording")
    status = models.CharField(max_length=16, choices=STATUSES, default=RUNNING)
    opened_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)
    trials = models.PositiveIntegerField(default=0, help_text="Trials kept so far.")
    files = models.PositiveIntegerField(default=0, help_text="Media files uploaded so far.")
    table_bytes = models.BigIntegerField(default=0, help_text="Size of its trials table.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "exp_session_nr"],
                                    name="importers_live_recording_once"),
        ]

    def __str__(self):
        return f"{self.connection.name} {self.exp_session_nr} {self.status}"


class WebhookUsage(models.Model):
    """What a connection's webhook stored in one clock hour: its quotas are counted here."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField(help_text="The start of the clock hour (UTC).")
    sessions = models.PositiveIntegerField(default=0, help_text="Sessions opened.")
    bytes_stored = models.BigIntegerField(default=0, help_text="Bytes written to disk.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "hour"],
                                    name="importers_webhook_usage_per_hour"),
        ]

    def __str__(self):
        return f"{self.connection.name} {self.hour:%Y-%m-%d %H}h"


class TableTail(models.Model):
    """The newest records of a table that syncs append to (HyperStudy): the keys of those a
    sync may read again in its overlap, so that it keeps each record once without reading
    the table itself (importers.hyperstudy.tails)."""

    dataset = models.OneToOneField("data.Dataset", on_delete=models.CASCADE, primary_key=True,
                                   related_name="+")
    since = models.CharField(max_length=32, help_text=(
        "ISO 8601 UTC: every record of the table stamped at or after it is in `keys`."))
    keys = models.JSONField(default=dict, blank=True, help_text=(
        "Record key → its time (ISO 8601 UTC; empty for a record without one)."))

    def __str__(self):
        return f"tail of {self.dataset_id} since {self.since}"
