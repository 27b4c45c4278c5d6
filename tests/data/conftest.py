"""Files tests here check paths and ranges, so downloads are anonymous unless a test says."""
import pytest


@pytest.fixture(autouse=True)
def anonymous_files(settings):
    settings.MIRROR_FILES_AUTH = "none"
