"""The one sentence that tells how an import run ended: printed by `mirror_import`, logged, and
the same for every source."""
from importers.core.counts import summary_of


def run_summary(run) -> str:
    """`import succeeded: sessions 5 created; …`, saying dry run when it was one and, when it
    failed, why (the first line of its error)."""
    what = "dry run (nothing written)" if run.dry_run else "import"
    said = summary_of(run.counts or {})
    if run.status == "failed":
        reason = (run.error or "no reason recorded").strip().splitlines()[0]
        return f"{what} failed: {reason}. Before it stopped: {said}."
    if run.status == "partial":
        return f"{what} partial ({run.failed} failed, see below): {said}."
    return f"{what} {run.status}: {said}."
