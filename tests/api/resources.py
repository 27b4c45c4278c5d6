"""One description per endpoint, from which tests/api/test_resources.py makes its tests."""
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Resource:
    endpoint: str
    create: Callable  # world -> JSON body for POST
    change: dict  # a PATCH body; PUT sends create(world) | change
    natural_key: str | None = None  # response field Alyx looks records up by
    staff_only: bool = False  # only staff create, change or delete
    staff_changes: bool = False  # anyone creates, only staff change or delete

    def __str__(self):
        return self.endpoint


def _session_url(world):
    return f"http://testserver/sessions/{world.sessions[0].pk}"


RESOURCES = [
    Resource("labs", lambda w: {"name": "otherlab", "institution": "Elsewhere",
                                "repositories": [w.repository.name]},
             {"institution": "Somewhere else"}, natural_key="name", staff_changes=True),
    Resource("users", lambda w: {"username": "bob", "email": "bob@example.org",
                                 "lab": [w.lab.name]},
             {"email": "robert@example.org"}, natural_key="username", staff_only=True),
    Resource("projects", lambda w: {"name": "other_project", "description": "A study.",
                                    "users": [w.user.username]},
             {"description": "Renamed study."}, natural_key="name"),
    Resource("subjects", lambda w: {"nickname": "NEW01", "lab": w.lab.name, "sex": "M",
                                    "projects": [w.project.name]},
             {"species": "Homo sapiens"}, natural_key="nickname"),
    Resource("sessions", lambda w: {"subject": w.subjects[0].nickname,
                                    "start_time": "2021-05-01T10:00:00", "number": 2,
                                    "users": [w.user.username], "projects": [w.project.name],
                                    "task_protocol": "passiveWorld_1.0", "type": "Experiment"},
             {"narrative": "Went well.", "qc": "PASS"}),
    Resource("datasets", lambda w: {"name": "_ibl_wheel.position.csv", "session": _session_url(w),
                                    "dataset_type": "trials.table", "data_format": "csv",
                                    "collection": "alf", "file_size": 10,
                                    "hash": "0" * 32},
             {"qc": "WARNING", "version": "1.1"}),
    Resource("files", lambda w: {"dataset": str(w.datasets[0].pk),
                                 "data_repository": w.repository.name,
                                 "relative_path": "elsewhere/copy.csv", "exists": False},
             {"exists": True}),
    Resource("data-repository", lambda w: {"name": "flatiron_testlab", "repository_type": "remote",
                                           "data_url": "http://files.example.org/testlab/"},
             {"hostname": "files.example.org"}, natural_key="name", staff_only=True),
    Resource("data-formats", lambda w: {"name": "json", "file_extension": ".json"},
             {"description": "JSON documents."}, natural_key="name", staff_changes=True),
    Resource("dataset-types", lambda w: {"name": "wheel.position", "description": "Wheel."},
             {"description": "Wheel position in radians."}, natural_key="name",
             staff_changes=True),
    Resource("revisions", lambda w: {"name": "2024-01-01", "description": "First fix."},
             {"description": "Fixed spikes."}, natural_key="name", staff_changes=True),
    Resource("tags", lambda w: {"name": "released", "description": "Published."},
             {"public": True}, natural_key="name"),
]
