"""App workers serve the cache tables but never write them: pyarrow stays out of their memory."""
import os
import secrets
import subprocess
import sys


def test_serving_the_api_does_not_import_pyarrow():
    """Importing pyarrow costs each worker ~45 MB; the URLconf (every view) must not."""
    code = ("import django, os, sys; os.environ['DJANGO_SETTINGS_MODULE'] = 'mirror.settings'; "
            "django.setup(); import mirror.urls, mirror.wsgi; "
            "print('pyarrow' in sys.modules)")
    env = {**os.environ, "SECRET_KEY": secrets.token_urlsafe(50)}  # a server needs its key
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env=env)
    assert result.stdout.strip() == "False", result.stderr
