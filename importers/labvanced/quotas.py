"""The webhook's hourly quotas per connection: sessions opened and bytes written to disk.

Anyone holding a webhook URL (every participant's browser has it) can post to it, so what one
URL can make the server store is bounded: MIRROR_WEBHOOK_SESSIONS_PER_HOUR sessions and
MIRROR_WEBHOOK_BYTES_PER_HOUR bytes (trials tables as they are rewritten, and uploads) per clock
hour. Usage is counted in the database, in the request's own transaction, so it holds across
app servers and a refused or failed call costs nothing.
"""
import datetime

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from importers.labvanced.payload import OverQuota
from importers.models import WebhookUsage


def _this_hour(now: datetime.datetime) -> datetime.datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def _usage(connection, now) -> WebhookUsage:
    hour = _this_hour(now)
    usage, _ = WebhookUsage.objects.get_or_create(connection=connection, hour=hour)
    return WebhookUsage.objects.select_for_update().get(pk=usage.pk)


def _refuse(what: str, limit: int, now) -> OverQuota:
    wait = int((_this_hour(now) + datetime.timedelta(hours=1) - now).total_seconds()) + 1
    return OverQuota(f"this webhook URL has used its {what} for this hour ({limit}); try again "
                     f"in {wait} s, or raise the quota", retry_after=wait)


def charge(connection, *, sessions: int = 0, stored: int = 0) -> None:
    """Count `sessions` opened and `stored` bytes against this hour's quotas, or OverQuota."""
    now = timezone.now()
    usage = _usage(connection, now)
    if sessions and usage.sessions + sessions > settings.MIRROR_WEBHOOK_SESSIONS_PER_HOUR:
        raise _refuse("quota of new sessions (MIRROR_WEBHOOK_SESSIONS_PER_HOUR)",
                      settings.MIRROR_WEBHOOK_SESSIONS_PER_HOUR, now)
    if stored and usage.bytes_stored + stored > settings.MIRROR_WEBHOOK_BYTES_PER_HOUR:
        raise _refuse("quota of bytes stored (MIRROR_WEBHOOK_BYTES_PER_HOUR)",
                      settings.MIRROR_WEBHOOK_BYTES_PER_HOUR, now)
    WebhookUsage.objects.filter(pk=usage.pk).update(sessions=F("sessions") + sessions,
                                                    bytes_stored=F("bytes_stored") + stored)
