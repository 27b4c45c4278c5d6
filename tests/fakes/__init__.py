"""Fake upstream services as real loopback HTTP servers, so importers are tested over the wire.

Labvanced: `FakeLabvanced` (REST fake, `labvanced.py`), `BrowserReplay` (plays the participant's
browser against our webhook receiver, `labvanced_browser.py`), `build_gui_export` (hand-downloaded
export zips) and `generate_study` (large synthetic study for benchmarks). Names resolve lazily so
`python -m tests.fakes.labvanced` does not import its own module twice.

Labstep: `FakeLabstep` (the generic-entity API the official SDK talks to, `labstep.py`).
HyperStudy: `FakeHyperStudy` (REST API v3 the official SDK talks to, `hyperstudy.py`).
Shared plumbing: `loopback.py` (server, handler, control endpoint), `faults.py` (switches, log).
"""
from importlib import import_module

_EXPORTS = {
    "FakeHyperStudy": "tests.fakes.hyperstudy",
    "FakeLabstep": "tests.fakes.labstep",
    "FakeLabvanced": "tests.fakes.labvanced",
    "BrowserReplay": "tests.fakes.labvanced_browser",
    "ReplayReport": "tests.fakes.labvanced_browser",
    "load_script": "tests.fakes.labvanced_browser",
    "build_gui_export": "tests.fakes.labvanced_export",
    "generate_study": "tests.fakes.labvanced_bigstudy",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'tests.fakes' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
