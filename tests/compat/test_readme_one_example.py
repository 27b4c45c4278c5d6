"""The README's ONE example, run as written against the demo data (only the port differs):
it learns the data server from /one-params, so it works on a machine with no params file."""
import hashlib
import re
from pathlib import Path

import pytest

from mirror.core.demo import load_demo
from mirror.data.models import Dataset

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_one_example() -> str:
    section = README.read_text().split("## Using it with ONE\n", 1)[1].split("\n## ", 1)[0]
    (code,) = [block for block in re.findall(r"```python\n(.*?)```", section, re.S)
               if "ONE(" in block]
    return code


@pytest.mark.django_db(transaction=True)
def test_the_readme_one_example_loads_the_demo_trials(live_server, one_home, settings):
    settings.MIRROR_PUBLIC_URL = live_server.url  # as `make run` derives it from its port
    load_demo()
    code = readme_one_example()
    assert "http://127.0.0.1:8000" in code
    namespace = {}
    exec(compile(code.replace("http://127.0.0.1:8000", live_server.url), "README.md", "exec"),
         namespace)
    trials = namespace["trials"]
    assert len(trials["choice"]) > 0
    one = namespace["one"]
    assert one.alyx._par.HTTP_DATA_SERVER == f"{live_server.url}/data"
    session = namespace["eids"][0]
    dataset = Dataset.objects.get(session_id=session, name="_ibl_trials.table.csv")
    downloaded = one.load_dataset(session, "_ibl_trials.table.csv", download_only=True)

    assert hashlib.md5(downloaded.read_bytes()).hexdigest() == dataset.hash
