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
    with pytest.raises(CommandError, match="Missing for a new connection: source, target, lab"):
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


def _connect(*flags, name="study"):
    out = StringIO()
    call_command("mirror_connection", name, *flags, stdout=out)
    return out.getvalue()


NEW = ["--source", "labvanced", "--target", "4107", "--lab", "gazelab"]


def test_without_a_base_url_the_sources_public_one_is_used(db):
    _connect(*NEW)
    assert Connection.objects.get(name="study").base_url == "https://www.labvanced.com"


@pytest.mark.parametrize("url, words", [
    ("127.0.0.1:8301", "has no scheme: write https://127.0.0.1:8301"),
    ("ftp://files.example.org", "is not an http:// or https:// address"),
    ("https://me:pw@example.org", "may hold no query, fragment or login"),
    ("http://127.0.0.1:99999", "port that is not a number"),
])
def test_a_base_url_that_cannot_work_is_refused_with_the_fix(db, url, words):
    with pytest.raises(CommandError, match=re.escape(words)):
        _connect(*NEW, "--base-url", url)
    assert not Connection.objects.exists()


def test_an_update_changes_only_what_is_given(db, monkeypatch):
    _connect(*NEW, "--base-url", "http://127.0.0.1:8301", "--study-name", "Gaze")
    monkeypatch.setenv("LV_TOKEN", "new-token-0123456789")
    out = _connect("--credential-env", "LV_TOKEN")
    connection = Connection.objects.get(name="study")
    assert out.startswith("Updated connection study: labvanced 4107 from http://127.0.0.1:8301")
    assert (connection.base_url, connection.target, connection.lab.name) == \
        ("http://127.0.0.1:8301", "4107", "gazelab")
    assert connection.credential == "new-token-0123456789"
    assert connection.settings["study_name"] == "Gaze"
    assert "new-token" not in out and "credential stored" in out


def test_a_second_connection_to_the_same_study_is_refused(db):
    """Records are keyed by source and upstream id: the second would move the first's."""
    _connect(*NEW, name="first")
    with pytest.raises(CommandError, match="connection 'first' already mirrors labvanced 4107 "
                       r"\(into lab gazelab\)"):
        _connect("--source", "labvanced", "--target", "4107", "--lab", "mylab",
                 "--base-url", "https://www.labvanced.com", name="second")
    assert list(Connection.objects.values_list("name", flat=True)) == ["first"]
    _connect("--lab", "mylab", name="first")  # the way: move the first one
    assert Connection.objects.get(name="first").lab.name == "mylab"


def test_the_webhook_url_is_printed_in_full(db, settings):
    settings.MIRROR_PUBLIC_URL = "https://mirror.example.org"
    out = _connect(*NEW)
    token = Connection.objects.get(name="study").webhook_token
    assert f"webhook URL (keep it secret): https://mirror.example.org/hooks/labvanced/{token}" \
        in out
    listed = StringIO()
    call_command("mirror_connection", "--list", stdout=listed)
    assert f"https://mirror.example.org/hooks/labvanced/{token}" in listed.getvalue()


def test_the_source_of_a_connection_does_not_change(db):
    _connect(*NEW)
    with pytest.raises(CommandError, match="does not change: make a new connection"):
        _connect("--source", "labstep")
