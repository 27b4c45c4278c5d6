"""`manage.py mirror_connection`: the credential comes from the environment, never argv."""
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from importers.models import Connection
from mirror.data.models import DataRepository


def test_creates_connection_with_lab_and_repository(db, monkeypatch):
    monkeypatch.setenv("LV_TOKEN", "s3cret-value")
    out = StringIO()
    call_command("mirror_connection", "study", "--source", "labvanced", "--target", "4107",
                 "--lab", "gazelab", "--base-url", "https://www.labvanced.com",
                 "--credential-env", "LV_TOKEN", stdout=out)
    connection = Connection.objects.get(name="study")
    assert connection.credential == "s3cret-value" and connection.lab.name == "gazelab"
    assert connection.repository.name == "gazelab_labvanced"
    assert "s3cret-value" not in out.getvalue()


def test_missing_arguments_say_what_to_give(db):
    with pytest.raises(CommandError, match="Missing: source, target, lab"):
        call_command("mirror_connection", "study")


def test_empty_credential_variable_is_refused(db, monkeypatch):
    monkeypatch.delenv("NOPE", raising=False)
    with pytest.raises(CommandError, match=r"\$NOPE is empty or unset"):
        call_command("mirror_connection", "s", "--source", "labvanced", "--target", "1",
                     "--lab", "l", "--credential-env", "NOPE")


@pytest.mark.parametrize("flags, words", [
    (["--repository", ".."], "data repository name '..'"),
    (["--repository", "a/b"], "data repository name 'a/b'"),
    (["--lab", "../x"], "lab name '../x'"),
])
def test_names_that_would_leave_the_data_root_are_refused(db, flags, words):
    """A repository's name is its folder under MIRROR_DATA_ROOT (issue 11, item 1)."""
    base = ["mystudy", "--source", "labvanced", "--target", "4107", "--lab", "mylab"]
    with pytest.raises(CommandError, match=re.escape(words)):
        call_command("mirror_connection", *base, *flags, stdout=StringIO())
    assert not DataRepository.objects.filter(name__in=["..", "a/b"]).exists()
