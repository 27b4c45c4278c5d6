"""ALF session numbers: one session per `<lab>/Subjects/<subject>/<date>/<NNN>` folder.

Files live in that folder on disk and in ONE's cache, so two sessions that share it overwrite
each other's files. Writers ask here for a number: the one they want when it is free, else the
next free one (as Alyx does when a session is registered). The folder is named by the lab's
name and the subject's nickname, so sessions of two subjects (or labs) that share a name, from
different sources, are kept apart too.
"""
import datetime

from django.db import connection

from mirror.actions.models import Session

MAX_NUMBER = 999  # ALF numbers are three digits


class NoFreeNumber(ValueError):
    """All 999 numbers of a subject's day are taken."""


def sessions_in_folder(*, lab_name: str, nickname: str, day: datetime.date, exclude=None):
    """Sessions whose files would go to `<lab>/Subjects/<nickname>/<day>/`."""
    start = datetime.datetime.combine(day, datetime.time.min)
    sessions = Session.objects.filter(lab__name=lab_name, subject__nickname=nickname,
                                      start_time__gte=start,
                                      start_time__lt=start + datetime.timedelta(days=1))
    return sessions.exclude(pk=exclude) if exclude is not None else sessions


def _lock_folder(lab_name: str, nickname: str, day: datetime.date) -> None:
    """Hold the folder until the transaction ends, so that two writers on PostgreSQL do not
    pick the same number (SQLite's write transactions already run one at a time)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                           [f"alf-folder/{lab_name}/{nickname}/{day.isoformat()}"])


def session_number_allocate(*, lab_name: str, nickname: str, day: datetime.date, wanted,
                            exclude=None) -> int:
    """`wanted` if no other session of the folder has it and it is an ALF number (1-999), else
    the next free number after it (wrapping round to 1). Call it inside the transaction that
    saves the session: the choice holds until that transaction ends."""
    if not connection.in_atomic_block:
        raise RuntimeError("session_number_allocate must run inside the saving transaction")
    _lock_folder(lab_name, nickname, day)
    taken = set(sessions_in_folder(lab_name=lab_name, nickname=nickname, day=day,
                                   exclude=exclude).values_list("number", flat=True))
    try:
        first = int(wanted)
    except (TypeError, ValueError):
        first = 1
    first = first if 1 <= first <= MAX_NUMBER else 1
    for number in [*range(first, MAX_NUMBER + 1), *range(1, first)]:
        if number not in taken:
            return number
    raise NoFreeNumber(f"{nickname} already has {MAX_NUMBER} sessions on {day}")


def session_number_taken(*, lab_name: str, nickname: str, day: datetime.date, number,
                         exclude=None) -> Session | None:
    """Another session that already has this folder and number, or None."""
    return sessions_in_folder(lab_name=lab_name, nickname=nickname, day=day,
                              exclude=exclude).filter(number=number).first()

