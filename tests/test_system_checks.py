"""Django's system checks, with the database checks (what `migrate` and `runserver` print),
are clean on the engine the suite runs on."""
import pytest
from django.core import checks


@pytest.mark.django_db
def test_no_system_check_messages_on_this_database(settings):
    settings.SECRET_KEY = "a-production-key-" + "k3y" * 20  # else mirror.W001, as it should
    messages = [message for message in checks.run_checks(databases=["default"])
                if not message.is_silenced()]
    assert messages == []
