"""A 50 MB attachment is streamed to disk: the import's peak memory stays far below 50 MB
(measured with tracemalloc over the whole run, the fake's serving thread included)."""
import hashlib
import tracemalloc

from importers.labstep import importer
from mirror.data.models import Dataset

MB = 1024 * 1024


def test_a_50_mb_attachment_imports_in_a_few_mb(connection, fake):
    made = fake.add_experiment("Big recording", attachments={"recording.bin": 50 * MB})
    tracemalloc.start()
    try:
        finished = importer.run(connection=connection)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert finished.status == "succeeded", finished.error
    dataset = Dataset.objects.get(session__source_id=f"1801/{made['id']}",
                                  name__startswith="_labstep_attachment.recording")
    assert dataset.file_size == 50 * MB
    digest = hashlib.md5()
    with connection.repository.file(dataset.file_records.get().relative_path).open("rb") as f:
        while block := f.read(MB):
            digest.update(block)
    assert digest.hexdigest() == dataset.hash
    assert peak < 8 * MB, f"peak {peak / MB:.1f} MB"
