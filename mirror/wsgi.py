"""WSGI entry point for gunicorn (`gunicorn mirror.wsgi`) and runserver.

With DEBUG off it refuses to start on the development SECRET_KEY or a weak one
(mirror.core.secret_key): every serving process loads this module, commands do not.
"""
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mirror.settings")

from mirror.core.secret_key import refuse_to_serve_on_a_weak_key  # noqa: E402

refuse_to_serve_on_a_weak_key(settings)
application = get_wsgi_application()
