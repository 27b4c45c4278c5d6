"""The fake Labstep's seed data, built in code (deterministic), and a big workspace for benchmarks.

Ids live in separate ranges per entity so a client that sends an experiment id where a file id
belongs gets a 404, not a lucky hit. Summary: user 2 (the API user) and authors 3, 4; workspaces
1801 (active) and 1802; experiments 5001-5007 (5005 uses old `+0000` timestamps, 5006 is
soft-deleted); entries 9901-9907; protocol runs 9951-9953; protocols 7001 (versions 7101,
7102 = last, 7103 = draft) and 7002 (7104); files 2041-2050 (2043 is a Google Drive link);
data fields 8001-8013 (8013 soft-deleted).
"""
import copy
import csv
import io

from tests.fakes.content import Content
from tests.fakes.labstep_files import guess_mime
from tests.fakes.labstep_store import LabstepStore

USER_ID, ACTIVE_GROUP, SECOND_GROUP = 2, 1801, 1802
SEED_CREATED = "2024-03-01T09:00:00+00:00"
OLD_TS = "2018-04-10T13:47:38+0000"
BIG_GROUP_FLOOR = 1900
AUTO_THREAD_FLOOR = 600000
GDOC_MIME = "application/vnd.google-apps.document"

USERS = [  # id, first, last, username
    (2, "Test", "account", "test@labstep.com"),
    (3, "Ada", "Lovelace", "ada@lab.example"),
    (4, "Grace", "Hopper", "grace@lab.example"),
]
GROUPS = [(1801, "Test account's Workspace"), (1802, "Neuro Lab (shared)")]
FOLDERS = [(3101, "Pilot studies", 1801), (3102, "Main cohort", 1801),
           (3103, "Shared pilots", 1802)]
TAGS = [(4101, "eeg", 1801), (4102, "pilot", 1801), (4103, "calibration", 1802)]
# id, name, author, group, folders, tags, created_at, file ids of its entry
EXPERIMENTS = [
    (5001, "EEG pilot 1", 2, 1801, [3101], [4101, 4102], "2024-03-04T09:12:00+00:00",
     [2041, 2042, 2043]),
    (5002, "EEG pilot 2", 3, 1801, [3101], [4101], "2024-03-11T10:00:00+00:00", [2044]),
    (5003, "Main cohort session A", 3, 1801, [3102], [], "2024-04-02T08:30:00+00:00", [2045]),
    (5004, "Main cohort session B", 4, 1801, [3102], [4101], "2024-04-09T08:30:00+00:00", []),
    (5005, "Legacy calibration (2018)", 2, 1802, [], [4103], OLD_TS, [2046]),
    (5006, "Abandoned draft", 4, 1801, [], [], "2024-04-20T15:00:00+00:00", [2047]),
    (5007, "Eye tracking pilot", 2, 1802, [3103], [], "2024-05-06T11:45:00+00:00", [2048]),
]
DELETED_EXPERIMENT, OLD_EXPERIMENT, EXTERNAL_FILE = 5006, 5005, 2043
DELETED_AT = "2024-05-01T10:00:00+00:00"


def _csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def _eeg(subject: int) -> bytes:
    return _csv([["time_s", "Fz", "Cz", "Pz"]] + [
        [f"{t / 512:.4f}", (t * 7 + subject) % 97 - 48, (t * 5) % 89 - 44, (t * 3) % 83 - 41]
        for t in range(400)])


# id, name, group, created_at, content (None: an external cloud file)
FILES = [
    (2041, "raw_eeg_subject01.csv", 1801, "2024-03-04T10:00:00+00:00", Content.of(_eeg(1))),
    (2042, "montage.png", 1801, "2024-03-04T10:05:00+00:00", Content.generated(262144, 2042)),
    (2043, "protocol_notes.gdoc", 1801, "2024-03-04T10:06:00+00:00", None),
    (2044, "raw_eeg_subject02.csv", 1801, "2024-03-11T10:20:00+00:00", Content.of(_eeg(2))),
    (2045, "recording_A.bin", 1801, "2024-04-02T09:00:00+00:00",
     Content.generated(2 * 1024 * 1024 + 123, 2045)),
    (2046, "calibration_2018.txt", 1802, OLD_TS, Content.of(b"offset=0.12\ngain=1.003\n")),
    (2047, "draft.txt", 1801, "2024-04-20T15:10:00+00:00", Content.of(b"nothing yet\n")),
    (2048, "gaze.tsv", 1802, "2024-05-06T12:00:00+00:00",
     Content.of(b"t\tx\ty\n0.000\t512\t384\n0.004\t514\t380\n")),
    (2049, "electrode_impedances.csv", 1801, "2024-03-04T10:30:00+00:00",
     Content.of(_csv([["electrode", "kOhm"], ["Fz", 4.1], ["Cz", 3.7], ["Pz", 5.2]]))),
    (2050, "montage_diagram.pdf", 1801, "2024-02-20T12:00:00+00:00",
     Content.of(b"%PDF-1.4\n% fake montage diagram\n%%EOF\n")),
]


def seed(store: LabstepStore) -> LabstepStore:
    store.user_id, store.active_group_id = USER_ID, ACTIVE_GROUP
    for group_id, name in GROUPS:
        store.add("group", {"id": group_id, "name": name, "description": None,
                            "created_at": SEED_CREATED, "updated_at": SEED_CREATED})
    for user_id, first, last, username in USERS:
        add_user(store, user_id, first, last, username)
    for folder_id, name, group in FOLDERS:
        store.add("folder", {"id": folder_id, "name": name, "type": "experiment_workflow",
                             "created_at": SEED_CREATED, "updated_at": SEED_CREATED,
                             "_group": group})
    for tag_id, name, group in TAGS:
        store.add("tag", {"id": tag_id, "name": name, "type": "experiment_workflow",
                          "created_at": SEED_CREATED, "updated_at": SEED_CREATED,
                          "_group": group})
    for file_id, name, group, created, content in FILES:
        add_file(store, file_id, name, group, created, content)
    for number, spec in enumerate(EXPERIMENTS):
        exp_id, name, author, group, folders, tags, created, files = spec
        add_experiment(store, exp_id, name, author=author, group=group, folders=folders,
                       tags=tags, created_at=created, files=files, entry_id=9901 + number,
                       thread_id=5601 + number)
    store.row("experiment-workflow", DELETED_EXPERIMENT)["deleted_at"] = DELETED_AT
    _seed_data_fields(store)
    _seed_protocols(store)
    _seed_runs(store)
    return store


def add_user(store: LabstepStore, user_id: int, first: str, last: str, username: str) -> dict:
    return store.add("user", {
        "id": user_id, "username": username, "email": username, "name": f"{first} {last}",
        "first_name": first, "last_name": last, "enabled": True, "user_organizations": [],
        "created_at": SEED_CREATED, "updated_at": SEED_CREATED,
        "_groups": [g for g, _ in GROUPS]})


def add_file(store: LabstepStore, file_id: int, name: str, group: int, created: str,
             content: Content | None) -> dict:
    """`content=None` is an external cloud file: no bytes, no size, `link_source` set."""
    row = store.add("file", {
        "id": file_id, "name": name,
        "mime_type": GDOC_MIME if name.endswith(".gdoc") else guess_mime(name),
        "path": None if content is None else f"{created[:10].replace('-', '/')}/{file_id}",
        "size": None if content is None else content.size,
        "link_source": "google-drive" if content is None else None,
        "image_annotation": None, "created_at": created, "updated_at": created,
        "_group": group, "_extension": name.rpartition(".")[2].lower()})
    if content is not None:
        store.set_content(file_id, content)
    return row


def _doc(*paragraphs: str, files=()) -> dict:
    content = [{"type": "paragraph", "content": [{"type": "text", "text": p}]}
               for p in paragraphs]
    return {"type": "doc", "content": content + [{"type": "file", "attrs": {"id": f}}
                                                 for f in files]}


def add_experiment(store: LabstepStore, exp_id: int, name: str, *, author: int, group: int,
                   created_at: str, folders=(), tags=(), files=(), entry_id: int | None = None,
                   thread_id: int | None = None, entry_text: str | None = None) -> dict:
    """An experiment-workflow and its root entry (an `experiment` with is_root=true)."""
    entry_id = entry_id or store.next_id("experiment", 9901)
    thread_id = thread_id or _next_thread(store)
    store.add("experiment", {
        "id": entry_id, "name": name, "is_root": True,
        "state": _doc(entry_text or f"Entry of {name}.", files=files),
        "metadata_thread": {"id": thread_id}, "experiment_steps": [], "experiment_timers": [],
        "molecules": [], "started_at": created_at, "ended_at": None,
        "created_at": created_at, "updated_at": created_at,
        "_workflow": exp_id, "_files": list(files), "_protocol": None})
    return store.add("experiment-workflow", {
        "id": exp_id, "name": name, "created_at": created_at, "updated_at": created_at,
        "started_at": created_at, "ended_at": None, "locked_at": None,
        "entity_state": None, "entity_state_workflow": None,
        "thread": {"id": thread_id + 1000, "comment_count": 0},
        "metadata_thread": {"id": thread_id + 2000},
        "_author": author, "_group": group, "_root": entry_id, "_folders": list(folders),
        "_tags": list(tags)})


def _next_thread(store: LabstepStore) -> int:
    """A metadata thread id above every seeded one (a clash would share data fields)."""
    rows = [*store.rows["experiment"].values(), *store.rows["protocol"].values()]
    return max([AUTO_THREAD_FLOOR - 1, *(r["metadata_thread"]["id"] for r in rows)]) + 1


def add_data_field(store: LabstepStore, field_id: int, thread_id: int, label: str,
                   field_type: str, created_at: str = "2024-03-04T10:40:00+00:00",
                   **values) -> dict:
    """A `metadata` row; `values` sets value / number / unit / date / options / files."""
    files = values.pop("files", [])
    return store.add("metadata", {
        "id": field_id, "label": label, "type": field_type, "value": None, "number": None,
        "unit": None, "date": None, "options": None, "device_data": None,
        "is_variable": False, "variable_template_guid": None, "notification_alert": None,
        "metadata_thread": {"id": thread_id}, "created_at": created_at,
        "updated_at": created_at, **values, "_thread": thread_id, "_files": files})


def _seed_data_fields(store: LabstepStore) -> None:
    add_data_field(store, 8001, 5601, "Subject ID", "default", value="S01")
    add_data_field(store, 8002, 5601, "Sampling rate", "numeric", number=512, unit="Hz")
    add_data_field(store, 8003, 5601, "Recording date", "date",
                   date="2024-03-04T00:00:00+00:00")
    add_data_field(store, 8004, 5601, "Condition", "options", options={
        "values": {"eyes open": True, "eyes closed": False}, "is_allow_multiple": False})
    add_data_field(store, 8005, 5601, "Impedance report", "file", files=[2049])
    add_data_field(store, 8006, 5601, "Session start", "datetime",
                   date="2024-03-04T09:30:00+00:00")
    add_data_field(store, 8007, 5602, "Subject ID", "default", value="S02")
    add_data_field(store, 8008, 5602, "Sampling rate", "numeric", number=1024.0, unit="Hz")
    add_data_field(store, 8009, 5603, "Notes", "default")
    add_data_field(store, 8012, 5605, "Operator", "default", created_at=OLD_TS, value="JB")
    add_data_field(store, 8013, 5601, "Old label", "default", value="obsolete",
                   deleted_at="2024-03-05T08:00:00+00:00")


def _step(step_id: int, position: int, guid_seed: str) -> dict:
    return {"id": step_id, "guid": f"00000000-0000-4000-8000-{guid_seed:0>12}",
            "position": position, "ended_at": None, "deleted_at": None}


def _seed_protocols(store: LabstepStore) -> None:
    for coll_id, name, author, group, last, draft in (
            (7001, "EEG cap preparation", 2, 1801, 7102, 7103),
            (7002, "Eye tracker calibration", 3, 1802, 7104, None)):
        store.add("protocol-collection", {
            "id": coll_id, "name": name, "created_at": "2024-02-01T09:00:00+00:00",
            "updated_at": "2024-02-20T12:00:00+00:00", "thread": {"id": coll_id + 100,
                                                                  "comment_count": 0},
            "_author": author, "_group": group, "_last": last, "_draft": draft, "_folders": [],
            "_tags": [4101] if coll_id == 7001 else []})
    for version_id, coll_id, number, is_draft, created, files in (
            (7101, 7001, 0, False, "2024-02-01T09:00:00+00:00", []),
            (7102, 7001, 1, False, "2024-02-20T12:00:00+00:00", [2050]),
            (7103, 7001, 2, True, "2024-03-15T16:00:00+00:00", [2050]),
            (7104, 7002, 0, False, "2024-02-10T09:00:00+00:00", [])):
        add_protocol_version(store, version_id, coll_id, number, is_draft, created, files)
    add_data_field(store, 8011, 5802, "Gel volume", "numeric", unit="ml",
                   created_at="2024-02-20T12:00:00+00:00")
    table = {"rowCount": 3, "columnCount": 2, "colHeaderData": {}, "data": {"dataTable": {
        "0": {"0": {"value": "Reagent"}, "1": {"value": "ml"}},
        "1": {"0": {"value": "Gel"}, "1": {"value": 2.5}},
        "2": {"0": {"value": "Saline"}, "1": {"value": 10}}}}}
    store.add("protocol-table", {"id": 7201, "name": "Gel mix", "data": table,
                                 "created_at": "2024-02-20T12:00:00+00:00",
                                 "updated_at": "2024-02-20T12:00:00+00:00", "_protocol": 7102})
    sheets = {"sheets": {"Sheet1": {"data": table["data"]}}}  # the newer multi-sheet shape
    store.add("protocol-table", {"id": 7202, "name": "Gel mix", "data": sheets,
                                 "created_at": "2024-03-04T11:00:00+00:00",
                                 "updated_at": "2024-03-04T11:00:00+00:00",
                                 "_experiment": 9951})


def add_protocol_version(store: LabstepStore, version_id: int, coll_id: int, number: int,
                         is_draft: bool, created: str, files: list[int]) -> dict:
    """A `protocol` row: body (`state`) with steps that hold text, a file, a timer, a table."""
    collection = store.row("protocol-collection", coll_id)
    steps = [_step(version_id * 10 + i, i, f"{version_id}{i}") for i in (1, 2)]
    timer = {"id": version_id * 10 + 5, "guid": f"00000000-0000-4000-9000-{version_id:0>12}",
             "name": "Gel settle", "hours": 0, "minutes": 5 + number, "seconds": 0}
    step_nodes = [
        {"type": "protocol_step", "attrs": {"guid": steps[0]["guid"]}, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "Fit the cap."}]},
            *[{"type": "file", "attrs": {"id": f}} for f in files]]},
        {"type": "protocol_step", "attrs": {"guid": steps[1]["guid"]}, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "Apply gel."}]},
            {"type": "protocol_timer", "attrs": {"guid": timer["guid"]}},
            {"type": "protocol_table", "attrs": {"id": 7201}},
            {"type": "metadata", "attrs": {"id": 8011}}]}]
    return store.add("protocol", {
        "id": version_id, "name": collection["name"], "version": number, "is_draft": is_draft,
        "changes": None if number == 0 else f"revision {number}",
        "state": {"type": "doc", "content": step_nodes}, "protocol_steps": steps,
        "protocol_timers": [timer], "protocol_values": [], "molecules": [],
        "metadata_thread": {"id": 5700 + version_id - 7000},
        "created_at": created, "updated_at": created,
        "_collection": coll_id, "_author": collection["_author"], "_files": list(files)})


def _seed_runs(store: LabstepStore) -> None:
    for run_id, exp_id, version_id, created in ((9951, 5001, 7102, "2024-03-04T11:00:00+00:00"),
                                                (9952, 5003, 7102, "2024-04-02T09:10:00+00:00"),
                                                (9953, 5007, 7104, "2024-05-06T12:10:00+00:00")):
        version = store.row("protocol", version_id)
        store.add("experiment", {
            "id": run_id, "name": version["name"], "is_root": False,
            "state": copy.deepcopy(version["state"]),
            "metadata_thread": {"id": 5650 + run_id - 9950},
            "experiment_steps": [{**s, "id": s["id"] + 50000} for s in version["protocol_steps"]],
            "experiment_timers": copy.deepcopy(version["protocol_timers"]), "molecules": [],
            "started_at": created, "ended_at": None, "created_at": created,
            "updated_at": created, "_workflow": exp_id, "_files": [], "_protocol": version_id})
    add_data_field(store, 8010, 5651, "Gel volume", "numeric", number=2.5, unit="ml",
                   created_at="2024-03-04T11:20:00+00:00")


def seed_big_workspace(store: LabstepStore, experiments: int, attachments: int = 0,
                       size: int = 1024, *, name: str = "Benchmark workspace") -> dict:
    """A new workspace with `experiments` experiments and `attachments` generated files of
    `size` bytes, dealt round-robin over the experiments' entries. Returns the ids made."""
    with store.lock:
        group_id = store.next_id("group", BIG_GROUP_FLOOR)
        store.add("group", {"id": group_id, "name": name, "description": None,
                            "created_at": SEED_CREATED, "updated_at": SEED_CREATED})
        for user in store.rows["user"].values():
            user["_groups"].append(group_id)
        first = store.next_id("experiment-workflow", 100001)
        exp_ids = list(range(first, first + experiments))
        file_first = store.next_id("file", 1000001)
        file_ids = list(range(file_first, file_first + attachments))
        per_exp: dict[int, list[int]] = {e: [] for e in exp_ids}
        for n, file_id in enumerate(file_ids):
            add_file(store, file_id, f"attachment_{n:06d}.bin", group_id, SEED_CREATED,
                     Content.generated(size, file_id))
            per_exp[exp_ids[n % experiments]].append(file_id)
        for n, exp_id in enumerate(exp_ids):
            add_experiment(store, exp_id, f"Benchmark experiment {n:06d}", author=USER_ID,
                           group=group_id, created_at=SEED_CREATED, files=per_exp[exp_id],
                           entry_id=exp_id + 100000)
    return {"group_id": group_id, "experiment_ids": exp_ids, "file_ids": file_ids}
