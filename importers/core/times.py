"""Upstream timestamps as the mirror keeps times: naive, in TIME_ZONE (as every session's
start_time is), whatever offset form they came in (`Z`, `+00:00`, or `+0000` in older data)."""
import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from importers.core.errors import BadSourceData


def parse_time(value, what: str = "time") -> datetime.datetime | None:
    """An ISO 8601 timestamp as naive local time (TIME_ZONE); None for no value."""
    if value in (None, ""):
        return None
    try:
        moment = datetime.datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise BadSourceData(what, f"{value!r} is not a timestamp") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(settings.TIME_ZONE)).replace(tzinfo=None)
    return moment
