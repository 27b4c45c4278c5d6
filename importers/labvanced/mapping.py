"""Labvanced session files → typed records (pure: no database, no network).

One Labvanced session (a participant's run of a study) becomes an Alyx session of subject
`LV-<Subject_Code>` in the study's project, with its files as datasets:
`alf/_labvanced_trials.table.csv` (what `one.load_object(eid, 'trials')` returns) and
`alf/_labvanced_timeseries.table.csv` (normalised), and the untouched originals in
`raw_labvanced_data/_labvanced_raw.{sessions,trials,timeseries}.csv`.
"""
import hashlib
import json

from importers.core.errors import BadSourceData
from importers.core.records import (
    NAME_CONFIGURED,
    NAME_FROM_SOURCE,
    NAME_GUESSED,
    DatasetFile,
    ProjectRecord,
    SessionRecord,
    SubjectRecord,
)
from importers.labvanced.parse import (
    normalise_timeseries,
    parse_local_time,
    read_table,
    time_offset,
    write_table,
)
from mirror.data.paths import safe_component

ALF, RAW = "alf", "raw_labvanced_data"


def fingerprint(listing: dict | None, files: dict[str, bytes]) -> str:
    """What must change upstream for a session to be fetched again."""
    if listing is not None:
        return "list:" + hashlib.sha1(json.dumps(listing, sort_keys=True).encode()).hexdigest()
    digest = hashlib.sha1()
    for name in sorted(files):
        digest.update(name.encode() + hashlib.md5(files[name]).digest())
    return "files:" + digest.hexdigest()


def participant(exp_id: str, subject_code: str) -> SubjectRecord:
    """A study participant, keyed by Labvanced's Subject_Code (the same in REST, export and
    webhook data; exp_subject_id never reaches the webhook).

    The nickname names a folder, so a code that is not a plain name (`../../tmp/x`, a NUL, 70
    characters) becomes one: its other characters turn into '_' and a hash of the code is added
    (mirror.data.paths.safe_component). Plain codes keep `LV-<code>`. A code too long to be a
    key (over 200 characters) is keyed by its hash.
    """
    code = str(subject_code).replace("\x00", "")
    key = code if len(code) <= 200 else "sha1-" + hashlib.sha1(code.encode()).hexdigest()
    return SubjectRecord(source_id=f"{exp_id}/{key}",
                         nickname=safe_component(code, prefix="LV-", max_length=64),
                         species="Homo sapiens", description=f"Labvanced participant {code}")


def study_project(exp_id: str, *, listed_name=None, configured_name=None) -> ProjectRecord:
    """A study's one project, whichever route brought its data: named by the REST listing's
    `experiment_name`, else by the connection's `study_name` setting, else a guess that never
    renames a project named better (importers.core.writer.Writer.project)."""
    if listed_name:
        title, known = str(listed_name), NAME_FROM_SOURCE
    elif configured_name:
        title, known = str(configured_name), NAME_CONFIGURED
    else:
        title, known = f"Labvanced study {exp_id}", NAME_GUESSED
    return ProjectRecord(source_id=str(exp_id), name=f"{title} ({exp_id})", title=title,
                         name_known=known)


def task_protocol(study_title: str, version: str = "") -> str:
    """A session's task protocol: the study's name, and the version the participant ran."""
    return f"{study_title} v{version}" if version else study_title


def is_session_id(value) -> bool:
    """A Labvanced session id: digits (it goes into URLs and keys), at most 20 of them."""
    text = str(value)
    return text.isascii() and text.isdigit() and len(text) <= 20


def _int(value, name: str, column: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise BadSourceData(name, f"{column} '{value}' is not a whole number") from None


def _session_files(rec_id: str, files: dict[str, bytes], trials, timeseries) -> tuple:
    out = [DatasetFile(ALF, "_labvanced_trials.table.csv", "trials.table", "csv",
                       write_table(trials.header, trials.rows)),
           DatasetFile(RAW, "_labvanced_raw.sessions.csv", "raw.sessions", "csv",
                       files["sessions.csv"]),
           DatasetFile(RAW, "_labvanced_raw.trials.csv", "raw.trials", "csv",
                       files["trials.csv"])]
    if timeseries is not None:
        out += [DatasetFile(ALF, "_labvanced_timeseries.table.csv", "timeseries.table", "csv",
                            normalise_timeseries(timeseries)),
                DatasetFile(RAW, "_labvanced_raw.timeseries.csv", "raw.timeseries", "csv",
                            files[f"{rec_id}.csv"])]
    return tuple(out)


def to_records(*, exp_id: str, files: dict[str, bytes], listing: dict | None = None,
               study_name: str | None = None) -> SessionRecord:
    """Map one session's files (`sessions.csv`, `trials.csv`, `<rec_session_id>.csv`)."""
    for required in ("sessions.csv", "trials.csv"):
        if required not in files:
            raise BadSourceData(required, "missing from the session's download")
    sessions = read_table("sessions.csv", files["sessions.csv"])
    if not sessions.rows:
        raise BadSourceData("sessions.csv", "no session row", 2)
    row = sessions.rows[0]
    rec_id = str(_int(sessions.value(row, "Rec_Session_Id"), "sessions.csv", "Rec_Session_Id"))
    if not is_session_id(rec_id):
        raise BadSourceData("sessions.csv", f"Rec_Session_Id {rec_id[:40]} is not a number of "
                            "at most 20 digits", 2)
    trials = read_table("trials.csv", files["trials.csv"])
    series_name = f"{rec_id}.csv"
    timeseries = read_table(series_name, files[series_name], ragged=True) \
        if series_name in files else None
    raw_listing = listing
    # the listing is upstream JSON: any of its values may be a number, a list or null
    listing = {key: value if value is None or isinstance(value, bool) else str(value)
               for key, value in (listing or {}).items()}
    subject_id = str(listing.get("exp_subject_id") or _int(
        sessions.value(row, "Exp_Subject_Id"), "sessions.csv", "Exp_Subject_Id"))
    subject_code = listing.get("subject_code") or sessions.value(row, "Subject_Code") \
        or subject_id
    start_text = listing.get("start_time") or sessions.value(row, "Start_Time_Local")
    end_text = listing.get("end_time") or sessions.value(row, "End_Time_Local")
    try:
        start_time, end_time = parse_local_time(start_text), parse_local_time(end_text)
    except ValueError as error:
        raise BadSourceData("sessions.csv", str(error), 2) from None
    if start_time is None:
        raise BadSourceData("sessions.csv", "no start time (Start_Time_Local)", 2)
    number = _int(listing.get("session_nr") or sessions.value(row, "Session_Nr") or 1,
                  "sessions.csv", "Session_Nr")
    project = study_project(exp_id, listed_name=listing.get("experiment_name"),
                            configured_name=study_name)
    version = str(listing.get("experiment_version") or sessions.value(row, "Experiment_Version"))
    completed = str(listing.get("completed", sessions.value(row, "Completed"))).lower() == "true"
    return SessionRecord(
        source_id=f"{exp_id}/{rec_id}",
        subject=participant(exp_id, subject_code),
        project=project,
        start_time=start_time, end_time=end_time,
        number=number,
        task_protocol=task_protocol(project.title, version),  # store() names the study's best
        n_trials=len(trials.rows),
        upstream={"exp_id": str(exp_id), "rec_session_id": rec_id, "session_nr": str(number),
                  "exp_subject_id": subject_id, "completed": completed,
                  "status": "completed" if completed else "incomplete",
                  "utc_offset": time_offset(start_text), "experiment_version": version,
                  "fingerprint": fingerprint(raw_listing or None, files)},
        files=_session_files(rec_id, files, trials, timeseries),
    )
