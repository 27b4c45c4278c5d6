"""Error responses in Alyx's shape (`detail` plus `status_code`), and no 500 for bad input.

Django errors that reach a view because the input was wrong (a malformed UUID in a filter, a
protected delete, a value the database refuses, a duplicate name) become 400 or 409 with a message
naming the problem.
"""
import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


class Conflict(APIException):
    """409: the request is valid but clashes with the record's state (e.g. importer-owned)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the record's current state."
    default_code = "conflict"


def _django_error_response(exc):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        if list(detail) == ["detail"]:
            detail = {"detail": "; ".join(detail["detail"])}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, (ProtectedError, RestrictedError)):
        objects = exc.protected_objects if isinstance(exc, ProtectedError) \
            else exc.restricted_objects
        blockers = sorted({str(type(obj)._meta.verbose_name_plural) for obj in objects})
        message = (f"Cannot delete: {', '.join(blockers)} still refer to this record; "
                   "delete or reassign them first.")
        return Response({"detail": message}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, IntegrityError):  # a unique name or path taken (also by a concurrent write)
        logger.info("Database refused a write: %s", exc)
        message = (f"The record clashes with an existing one ({exc}): use another value for "
                   "the unique field, or update the existing record.")
        return Response({"detail": message}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DataError):
        logger.info("Database refused a value: %s", exc)
        return Response({"detail": f"The database refused a value: {exc}".strip()},
                        status=status.HTTP_400_BAD_REQUEST)
    return None


def alyx_exception_handler(exc, context):
    """DRF's handler, plus Django input errors, with Alyx's `status_code` key added."""
    response = exception_handler(exc, context) or _django_error_response(exc)
    if response is not None and isinstance(response.data, dict):
        response.data.setdefault("status_code", response.status_code)
    return response
