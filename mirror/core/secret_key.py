"""A production server never runs on the development SECRET_KEY (or an obviously weak one).

The key signs sessions, CSRF tokens and password-reset links; with the development key, which
is in the repository, anyone can forge them. Commands (migrate, check, the importers, the test
suite) still run without SECRET_KEY, with a warning when DEBUG is off; a serving process (the
WSGI application: gunicorn, and runserver, which loads it) refuses to start with DEBUG off.
Settings import this module (for the development key), which registers its system check.
"""
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

DEVELOPMENT_KEY = "django-insecure-development-key-set-SECRET_KEY"
MIN_LENGTH = 32
HOW = ("set SECRET_KEY to a long random value, e.g. "
       "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'` (the same on every app "
       "server), or DEBUG=1 for development")


def weakness(key: str) -> str | None:
    """Why `key` must not sign a production server's cookies, or None."""
    if not key or key == DEVELOPMENT_KEY:
        return "SECRET_KEY is not set (the development key is in use)"
    if key.startswith("django-insecure-"):
        return "SECRET_KEY is a 'django-insecure-' development key"
    if len(key) < MIN_LENGTH or len(set(key)) < 5:
        return f"SECRET_KEY is too weak (fewer than {MIN_LENGTH} characters or 5 distinct ones)"
    return None


def serving_refusal(settings) -> str | None:
    """Why a server must not start on these settings (a weak key with DEBUG off), or None."""
    problem = None if settings.DEBUG else weakness(settings.SECRET_KEY)
    return f"{problem} and DEBUG is off: this server refuses to start; {HOW}." if problem else None


def refuse_to_serve_on_a_weak_key(settings) -> None:
    """Called by the WSGI entry point (mirror.wsgi) before it builds the application."""
    refusal = serving_refusal(settings)
    if refusal:
        raise ImproperlyConfigured(refusal)


@checks.register(checks.Tags.security)
def check_secret_key(app_configs=None, **kwargs) -> list:
    """`manage.py` commands run, and say that a server would not."""
    from django.conf import settings

    problem = None if settings.DEBUG else weakness(settings.SECRET_KEY)
    if problem is None:
        return []
    return [checks.Warning(f"{problem}: commands run, but a server (gunicorn, runserver) with "
                           "DEBUG off refuses to start.", hint=HOW, id="mirror.W001")]
