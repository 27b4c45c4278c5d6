"""The receiver of Labvanced's "External Data Storage": the routes the player POSTs to.

Labvanced's player posts from the participant's browser with no credentials, so the URL path
carries the secret: `/hooks/labvanced/<connection webhook token>/<route>`. Every answer (a
refusal, an unknown URL, a failure included) carries the CORS headers the player needs, and
`{"success": true}` or `{"success": false, "error": …}`; bodies may be JSON or jQuery form
encoding. Each call is one transaction: it lands whole or not at all. What a call may do is
decided in importers.labvanced.live; the secret never reaches a log line from here.
"""
import logging
import re

from django.conf import settings
from django.db import DataError, IntegrityError, OperationalError, transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from importers.core.errors import BadSourceData
from importers.labvanced import payload as body
from importers.labvanced.live import LiveSession
from importers.labvanced.payload import BadPayload, Refused
from importers.models import Connection

logger = logging.getLogger(__name__)
ORIGIN = "https://www.labvanced.com"
ROUTES = {
    "setPlayerSessionStartedTime": LiveSession.started,
    "addMetaInfo": LiveSession.meta,
    "recordStartTask": LiveSession.task,
    "recordTrial": LiveSession.trial,
    "finishExpSession": LiveSession.finished,
    "errExpSession": LiveSession.aborted,
}
UPLOAD = "file_upload"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # what importers.models.new_webhook_token makes


def _cors(response, request):
    origin = request.headers.get("Origin", "")
    allowed = getattr(settings, "MIRROR_WEBHOOK_ORIGINS", [ORIGIN])
    response["Access-Control-Allow-Origin"] = origin if origin in allowed else allowed[0]
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = "86400"
    response["Vary"] = "Origin"
    return response


def _answer(request, answer: dict, status: int = 200, retry_after: int | None = None):
    response = _cors(JsonResponse(answer, status=status), request)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _refusal(request, error: Refused, connection, route: str):
    logger.warning("[%s] webhook %s refused (%s): %s", connection.name, route, error.status,
                   error)
    return _answer(request, {"success": False, "error": str(error)}, error.status,
                   error.retry_after)


def _payload(request) -> dict:
    if request.content_type == "application/json":
        return body.json_body(request.body)
    return body.form_body(request.POST)


def _too_big(request, route: str) -> bool:
    limit = settings.MIRROR_WEBHOOK_MAX_UPLOAD if route == UPLOAD \
        else settings.MIRROR_WEBHOOK_MAX_BODY
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > limit
    except ValueError:
        return True


@csrf_exempt
def receive(request, token: str, route: str):
    """Answer one player call; an unexpected failure is logged and answered 500 with CORS."""
    try:
        return _receive(request, token, route)
    except Exception:
        logger.exception("webhook %s failed", route)  # the path holds the secret: not logged
        return _answer(request, {"success": False, "error": "The server failed; the error is "
                                 "logged for its administrator."}, 500)


def _receive(request, token: str, route: str):
    connection = None
    if TOKEN.match(token):  # a NUL or other odd text cannot be a token (nor reach a query)
        connection = Connection.objects.filter(webhook_token=token, source="labvanced",
                                               enabled=True).select_related("lab").first()
    if connection is None:
        return _answer(request, {"success": False, "error": "Unknown webhook URL."}, 404)
    if request.method == "OPTIONS":
        return _cors(JsonResponse({}, status=200), request)
    if request.method != "POST":
        return _answer(request, {"success": False, "error": "POST only."}, 405)
    if route not in ROUTES and route != UPLOAD:
        return _answer(request, {"success": False, "error": f"Unknown route '{route[:80]}'; "
                                 f"known: {', '.join([*ROUTES, UPLOAD])}."}, 404)
    if _too_big(request, route):
        return _answer(request, {"success": False, "error": "Payload too large."}, 413)
    try:
        with transaction.atomic():
            if route == UPLOAD:
                _upload(request, connection)
            else:
                payload = _payload(request)
                ROUTES[route](LiveSession(connection, payload), payload)
    except Refused as error:
        return _refusal(request, error, connection, route)
    except BadSourceData as error:  # the writer refused a file (its path, a protected dataset)
        return _refusal(request, body.NotOpen(str(error)), connection, route)
    except IntegrityError:  # a concurrent call of the same session won a race
        return _refusal(request, body.NotOpen("a concurrent call changed this session; send "
                                              "it again"), connection, route)
    except DataError as error:
        logger.warning("[%s] webhook %s: the database refused a value: %s", connection.name,
                       route, error)
        return _refusal(request, BadPayload("the database refused a value of this call"),
                        connection, route)
    except OperationalError:  # locked, or stopped by the statement timeout: not the caller's
        return _refusal(request, body.Busy("the database is busy; send the call again",
                                           retry_after=5), connection, route)
    return _answer(request, {"success": True})


def _upload(request, connection) -> None:
    if not request.FILES:
        raise BadPayload("no file in the multipart body")
    upload = next(iter(request.FILES.values()))
    fields = body.form_body(request.POST)
    live = LiveSession(connection, {"expSessionNr": fields.get("expSessionNr"),
                                    "expId": fields.get("expId")})
    live.file(body.short_text(fields, "newFileName") or upload.name, upload)
