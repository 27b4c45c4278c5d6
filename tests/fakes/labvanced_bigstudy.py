"""A large synthetic Labvanced study on disk (N sessions x M trials) for importer benchmarks.

Written straight to files row by row, in the fixture layout `StudyStore` reads, so
`FakeLabvanced(fixtures=generate_study(tmp_path))` serves it and `build_gui_export` packs it. Quirks
recur on a schedule so a benchmark also exercises the slow paths: lower-case id columns on odd
sessions, a BOM on every 7th trials.csv, an empty response every 17th trial, an unfinished session
every 50th, rotating `+HH`/`+05:30` offsets, and optional long-format time series.
"""
import json
import random
from datetime import datetime, timedelta
from pathlib import Path

from tests.fakes.labvanced_csv import BOM, csv_line

OFFSETS = ("+02", "+05:30", "-05", "+00", "+01", "+09")
SESSION_COLUMNS = ["Subject_Code", "Session_Nr", "Group_Nr", "Crowdsourcing_SubjId",
                   "Crowdsourcing_Code", "Start_Time_Local", "End_Time_Local",
                   "Experiment_Version", "Completed"]
TRIAL_COLUMNS = ["Block_Name", "Block_Nr", "Task_Name", "Task_Nr", "Trial_Id", "Trial_Nr",
                 "Condition_Id", "response", "rt"]
SERIES_HEADER = ('"Block_Name","Block_Nr","exp_subject_id","rec_session_id","session_nr",'
                 '"Task_Name","Task_Nr","times","Trial_Id","Trial_Nr","variable_name","values"\n')


def generate_study(dest: Path | str, *, exp_id: int = 9001, sessions: int = 1000,
                   trials: int = 200, timeseries_every: int = 0, seed: int = 1) -> Path:
    """Write the study under `dest` and return `dest` (pass it as the fake's `fixtures`)."""
    rng = random.Random(seed)
    root = Path(dest)
    (root / str(exp_id) / "sessions").mkdir(parents=True, exist_ok=True)
    start = datetime(2022, 3, 1, 9, 0, 0)
    with open(root / str(exp_id) / "sessions.json", "w", encoding="utf-8") as listing:
        listing.write("[\n")
        for index in range(sessions):
            began = start + timedelta(minutes=37 * index)
            meta = _write_session(root / str(exp_id) / "sessions", exp_id, index, began, trials,
                                  timeseries_every, rng)
            listing.write(("" if index == 0 else ",\n") + json.dumps(meta))
        listing.write("\n]\n")
    return root


def _write_session(folder: Path, exp_id: int, index: int, began: datetime, trials: int,
                   series_every: int, rng: random.Random) -> dict:
    rec_id, subj_id = 300000 + index, 500000 + index // 2
    offset, finished = OFFSETS[index % len(OFFSETS)], index % 50 != 49
    start = began.strftime("%Y-%m-%d %H:%M:%S") + offset
    end = (began + timedelta(minutes=20)).strftime("%Y-%m-%d %H:%M:%S") + offset
    meta = {"rec_session_id": rec_id, "exp_subject_id": subj_id, "session_nr": index % 2 + 1,
            "group_nr": index % 3 + 1, "subject_code": f"S{subj_id:x}",
            "crowdsourcing_subj_id": f"{rng.getrandbits(96):024x}",
            "crowdsourcing_code": "BENCH1" if finished else "", "start_time": start,
            "end_time": end if finished else None, "completed": finished,
            "experiment_name": f"Synthetic {exp_id}", "experiment_version": 1}
    ids = ["Rec_Session_Id", "Exp_Subject_Id"] if index % 2 == 0 else ["rec_session_id",
                                                                       "exp_subject_id"]
    out = folder / str(rec_id)
    out.mkdir(exist_ok=True)
    with open(out / "sessions.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write(csv_line(ids + SESSION_COLUMNS))
        fh.write(csv_line([rec_id, subj_id, meta["subject_code"], meta["session_nr"],
                           meta["group_nr"], meta["crowdsourcing_subj_id"],
                           meta["crowdsourcing_code"], start, end if finished else "", 1,
                           "true" if finished else "false"]))
    with open(out / "trials.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write((BOM if index % 7 == 3 else "") + csv_line(TRIAL_COLUMNS + ids))
        for nr in range(1, trials + 1):
            answered = nr % 17 != 0
            fh.write(csv_line([f"Block_{nr // 50 + 1}", nr // 50 + 1, "Main", 1, rng.randint(1, 40),
                               nr, rng.randint(1, 4), rng.choice("lr") if answered else "",
                               rng.randint(250, 1500) if answered else "", rec_id, subj_id]))
    if series_every and index % series_every == 0:
        _write_series(out / f"{rec_id}.csv", meta, trials, began, rng)
    return meta


def _write_series(path: Path, meta: dict, trials: int, began: datetime, rng: random.Random) -> None:
    epoch_ms = int(began.timestamp() * 1000)
    head = (f'"Main",1,{meta["exp_subject_id"]},{meta["rec_session_id"]},{meta["session_nr"]},'
            '"Main",1,')
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(SERIES_HEADER)
        for nr in range(1, trials + 1):
            t = epoch_ms + nr * 3000
            fh.write(f'{head}"{t}",{nr},{nr},"Gaze_XYT",\n')
            for k in range(3):
                x, y = rng.uniform(-500, 1400), rng.uniform(0, 900)
                fh.write(f'{head}"{t + 120 * k}",{nr},{nr},"Gaze_XYT",{x:.4f},{y:.4f},'
                         f"{t + 120 * k - 400},{rng.random():.3f}\n")
