"""`manage.py mirror_connection`: the credential comes from the environment, never argv."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from importers.models import Connection


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
