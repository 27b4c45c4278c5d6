"""The vocabulary of the benchmark's lab: names as an IBL-style Alyx holds them.

Realistic names matter: ALF dataset names, collections and `<lab>/Subjects/...` paths make the
rows as wide as production ones, and ONE parses the paths of the showcase session's files.
"""
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from mirror.data.models import DataFormat, Dataset, DatasetType

LABS = (("cortexlab", "University College London"), ("mainenlab", "Champalimaud Foundation"))
SERVER_REPOSITORY = {"name": "bench_server", "repository_type": "local", "hostname": "mirror",
                     "globus_path": "/mnt/s0/Data/Subjects/", "globus_is_personal": False}
PERSONAL_REPOSITORY = {"name": "bench_lab_rig", "repository_type": "remote",
                       "hostname": "rig01.lab.example.org", "globus_is_personal": True,
                       "data_url": "http://rig01.lab.example.org/Subjects/",
                       "globus_path": "/home/rig/Subjects/"}
USERNAMES = ("bench", "olivier", "miles", "nicole", "gaelle", "kate", "anne", "mayo", "julia",
             "noam")
PROJECTS = ("ibl_neuropixel_brainwide_01", "ibl_behaviour_training", "ibl_cortexlab_dev")
PROTOCOLS = ("_iblrig_tasks_trainingChoiceWorld6.4.2", "_iblrig_tasks_biasedChoiceWorld6.4.2",
             "_iblrig_tasks_ephysChoiceWorld6.4.2")
QCS = (0, 10, 10, 10, 30, 40)  # mostly PASS

# (collection, dataset name); every session has COMMON, then two datasets of its protocol.
COMMON = (("alf", "_ibl_trials.table.pqt"), ("alf", "_ibl_trials.goCueTrigger_times.npy"),
          ("alf", "_ibl_wheel.position.npy"), ("alf", "_ibl_wheel.timestamps.npy"),
          ("alf", "_ibl_wheelMoves.intervals.npy"), ("alf", "_ibl_wheelMoves.peakAmplitude.npy"),
          ("raw_behavior_data", "_iblrig_taskData.raw.jsonable"),
          ("raw_behavior_data", "_iblrig_taskSettings.raw.json"))
BY_PROTOCOL = {
    PROTOCOLS[0]: (("alf", "_ibl_trials.included.npy"),
                   ("alf", "_ibl_trials.quiescencePeriod.npy")),
    PROTOCOLS[1]: (("alf", "_ibl_trials.included.npy"), ("alf", "_ibl_trials.stimOff_times.npy")),
    PROTOCOLS[2]: (("alf/probe00", "spikes.times.npy"), ("alf/probe00", "spikes.clusters.npy")),
}
FORMATS = {".npy": "npy", ".pqt": "parquet", ".json": "json", ".jsonable": "jsonable"}


@dataclass(frozen=True)
class Kind:
    dataset_type: DatasetType
    data_format: DataFormat


def nickname(index: int, lab_name: str) -> str:
    return f"{'KS' if lab_name == 'cortexlab' else 'ZFM'}-{index + 1:04d}"


def _type_name(name: str) -> str:
    """ALF `_ibl_trials.table.pqt` → dataset type `trials.table`."""
    parts = name.split(".")
    return ".".join([parts[0].split("_")[-1], parts[1]])


def dataset_kinds(ids) -> dict[str, Kind]:
    """Create the dataset types and formats; returns the kind of each dataset name."""
    formats = {ext: DataFormat.objects.create(id=ids(), name=name, file_extension=ext)
               for ext, name in FORMATS.items()}
    names = {name for _, name in COMMON} | {n for pairs in BY_PROTOCOL.values() for _, n in pairs}
    kinds, types = {}, {}
    for name in sorted(names):
        type_name = _type_name(name)
        if type_name not in types:
            types[type_name] = DatasetType.objects.create(
                id=ids(), name=type_name, filename_pattern=f"*{type_name}.*",
                description=f"ALF {type_name}")
        kinds[name] = Kind(types[type_name], formats["." + name.rsplit(".", 1)[1]])
    return kinds


def session_datasets(protocol: str, kinds: dict[str, Kind]):
    for collection, name in (*COMMON, *BY_PROTOCOL[protocol]):
        yield collection, name, kinds[name]


def relative_path(lab_name, subject_nickname, session, collection, name) -> str:
    return (f"{lab_name}/Subjects/{subject_nickname}/{session.start_time:%Y-%m-%d}/"
            f"{session.number:03d}/{collection}/{name}")


def _content(name: str, index: int) -> bytes:
    if name.endswith(".npy"):
        stream = io.BytesIO()
        np.save(stream, np.arange(200, dtype=float) * (index + 1))
        return stream.getvalue()
    if name.endswith(".pqt"):
        import pandas as pd

        stream = io.BytesIO()
        pd.DataFrame({"intervals_0": np.arange(50.0), "intervals_1": np.arange(50.0) + 1,
                      "choice": np.tile([-1, 1], 25)}).to_parquet(stream)
        return stream.getvalue()
    return (json.dumps({"trial": index, "bench": True}) + "\n").encode()


def write_showcase_files(session, repository, data_root=None) -> None:
    """Write real files for `session`'s datasets and make their size and MD5 match."""
    root = Path(data_root or settings.MIRROR_DATA_ROOT) / repository.name
    for index, dataset in enumerate(Dataset.objects.filter(session=session)
                                    .prefetch_related("file_records")):
        content = _content(dataset.name, index)
        record = next(r for r in dataset.file_records.all()
                      if r.data_repository_id == repository.id)
        target = root / record.relative_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        Dataset.objects.filter(pk=dataset.pk).update(
            file_size=len(content), hash=hashlib.md5(content).hexdigest())
