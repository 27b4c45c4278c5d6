"""The floor views answer byte for byte what the API answers, and exist only for benchmarks."""
import pytest

from bench.seed import seed
from mirror.actions.models import Session

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(data_root):
    summary = seed(scale=0.01, log=lambda line: None)
    Session.objects.filter(pk=summary.showcase).update(narrative="showcase")
    return summary


def _paths(summary) -> list[str]:
    middle = Session.objects.order_by("-start_time", "id")[77]
    ids = ",".join(f"'{pk}'" for pk in Session.objects.values_list("pk", flat=True)[:5])
    month = middle.start_time.strftime("%Y-%m")
    return ["/sessions?limit=100", "/sessions?limit=10&offset=30",
            f"/sessions?subject={middle.subject.nickname.lower()}",
            f"/sessions?date_range={month}-01,{month}-28", "/sessions?datasets=spikes.times.npy",
            f"/sessions?django=pk__in,({ids})", f"/sessions/{middle.pk}",
            f"/sessions/{summary.showcase}", f"/datasets?session={middle.pk}",
            "/datasets?limit=30&offset=60"]


@pytest.mark.urls("tests.bench.urls")
def test_floor_json_equals_the_api_json(api, seeded):
    for path in _paths(seeded):
        expected = api.get(path)
        assert expected.status_code == 200, path
        floor = api.get(f"/bench/floor{path}")
        assert floor.content == expected.content, path


def test_floor_is_not_served_by_default(api, seeded):
    """Without MIRROR_BENCH=1 (production), the floor routes do not exist."""
    for path in ("/bench/floor/sessions", f"/bench/floor/sessions/{seeded.showcase}",
                 "/bench/floor/datasets"):
        assert api.get(path).status_code == 404
