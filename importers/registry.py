"""Which module imports which source: the one place a new source is plugged in."""
from importers.hyperstudy import importer as hyperstudy
from importers.labstep import importer as labstep
from importers.labvanced import importer as labvanced

RUNNERS = {"labvanced": labvanced.run, "labstep": labstep.run, "hyperstudy": hyperstudy.run}


def runner_for(source: str):
    try:
        return RUNNERS[source]
    except KeyError:
        raise NotImplementedError(f"No importer for '{source}' yet; available: "
                                  f"{', '.join(sorted(RUNNERS))}.") from None
