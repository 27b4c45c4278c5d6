"""The receiver of Labvanced's "External Data Storage": the routes the player POSTs to.

Labvanced's player posts from the participant's browser with no credentials, so the URL path
carries the secret: `/hooks/labvanced/<connection webhook token>/<route>`. Answers carry the CORS
headers the player needs and `{"success": true}`; bodies may be JSON or jQuery form encoding.
"""
import json
import logging
import re

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from importers.labvanced.live import BadPayload, LiveSession
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
BRACKETS = re.compile(r"[^\[\]]+")


def _cors(response, request):
    origin = request.headers.get("Origin", "")
    allowed = getattr(settings, "MIRROR_WEBHOOK_ORIGINS", [ORIGIN])
    response["Access-Control-Allow-Origin"] = origin if origin in allowed else allowed[0]
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = "86400"
    response["Vary"] = "Origin"
    return response


def _answer(request, body: dict, status: int = 200):
    return _cors(JsonResponse(body, status=status), request)


def unflatten(form) -> dict:
    """jQuery's `recData[data][rt]=523` → {"recData": {"data": {"rt": "523"}}}."""
    result: dict = {}
    for key, value in form.items():
        parts = BRACKETS.findall(key) or [key]
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return result


def _payload(request) -> dict:
    if request.content_type == "application/json":
        try:
            payload = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError) as error:
            raise BadPayload(f"the body is not valid JSON ({error})") from None
        if not isinstance(payload, dict):
            raise BadPayload("the JSON body must be an object")
        return payload
    return unflatten(request.POST)


def _too_big(request, route: str) -> bool:
    limit = settings.MIRROR_WEBHOOK_MAX_UPLOAD if route == "file_upload" \
        else settings.MIRROR_WEBHOOK_MAX_BODY
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > limit
    except ValueError:
        return True


@csrf_exempt
def receive(request, token: str, route: str):
    connection = Connection.objects.filter(webhook_token=token, source="labvanced",
                                           enabled=True).select_related("lab").first()
    if connection is None:
        return JsonResponse({"success": False, "error": "Unknown webhook URL."}, status=404)
    if request.method == "OPTIONS":
        return _cors(JsonResponse({}, status=200), request)
    if request.method != "POST":
        return _answer(request, {"success": False, "error": "POST only."}, 405)
    if route not in ROUTES and route != "file_upload":
        return _answer(request, {"success": False, "error": f"Unknown route '{route}'; known: "
                                 f"{', '.join([*ROUTES, 'file_upload'])}."}, 404)
    if _too_big(request, route):
        return _answer(request, {"success": False, "error": "Payload too large."}, 413)
    try:
        if route == "file_upload":
            _upload(request, connection)
        else:
            payload = _payload(request)
            ROUTES[route](LiveSession(connection, payload), payload)
    except BadPayload as error:
        logger.warning("[%s] webhook %s refused: %s", connection.name, route, error)
        return _answer(request, {"success": False, "error": str(error)}, 400)
    return _answer(request, {"success": True})


def _upload(request, connection) -> None:
    if not request.FILES:
        raise BadPayload("no file in the multipart body")
    upload = next(iter(request.FILES.values()))
    fields = unflatten(request.POST)
    live = LiveSession(connection, {"expSessionNr": fields.get("expSessionNr"),
                                    "expId": fields.get("expId")})
    name = fields.get("newFileName") or upload.name
    live.file(name, upload.read())
