"""Token authentication with the lookup prepared once (mirror.core.prepared).

Same contract as DRF's TokenAuthentication (`Authorization: Token <key>`, 401/403 "Invalid
token." for an unknown key, "User inactive or deleted." for an inactive user) and the same one
query per request; only the ORM's work of building that query each time is gone. Nothing is
cached between requests: a deleted token stops working at once, in every worker.
"""
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from mirror.core.prepared import TEXT, PreparedRead


def _user_columns() -> tuple[str, ...]:
    return tuple(field.attname for field in get_user_model()._meta.concrete_fields)


_token_owner = PreparedRead(
    lambda key: get_user_model().objects.filter(auth_token__key=key).values_list(
        *_user_columns(), "auth_token__created"), TEXT)


class PreparedTokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        rows = _token_owner(key)
        if not rows:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        *user_values, created = rows[0]
        user = get_user_model().from_db(DEFAULT_DB_ALIAS, _user_columns(), user_values)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token = Token(key=key, user=user, created=created)
        token._state.adding, token._state.db = False, user._state.db
        return user, token
