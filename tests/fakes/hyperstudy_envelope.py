"""HyperStudy's answer shapes: the success envelope, the error envelope, and the pages in front.

Success is `{"status": "success", "data": ..., "metadata": {...}}`; an error is
`{"status": "error", "error": {"code", "message", "details"?}}` (reference C.3). The 401 code
differs between the docs (`UNAUTHORIZED`) and the SDK's fixtures (`AUTHENTICATION_ERROR`); the fake
defaults to the SDK's and takes the other as `auth_error_code`, so an importer keyed on the code
instead of the status breaks in one of the two set-ups. Outside the API the answers are not JSON:
Google's front end answers 502/503/504 with an HTML page, Express answers an unknown path with
"Cannot GET", and the storage bucket behind signed URLs answers XML.
"""
from http import HTTPStatus

from tests.fakes.faults import ForcedError
from tests.fakes.loopback import Response, json_response

API_VERSION = "3.0.0"
CODES = {400: "INVALID_PARAMETER", 401: "AUTHENTICATION_ERROR", 403: "FORBIDDEN",
         404: "NOT_FOUND", 429: "RATE_LIMIT_EXCEEDED", 500: "INTERNAL_SERVER_ERROR",
         503: "SERVICE_UNAVAILABLE"}
AUTH_ERROR_CODES = ("AUTHENTICATION_ERROR", "UNAUTHORIZED")
GATEWAY_STATUSES = (502, 503, 504)
GFE_PAGE = ("<html><head>\n<meta http-equiv=\"content-type\" content=\"text/html;charset=utf-8\">"
            "\n<title>{status} Server Error</title>\n</head>\n<body text=#000000 bgcolor=#ffffff>"
            "\n<h1>Error: Server Error</h1>\n<h2>The server encountered a temporary error and "
            "could not complete your request.<p>Please try again in 30 seconds.</h2>\n<h2></h2>"
            "\n</body></html>\n")
EXPRESS_404 = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<title>Error</title>\n</head>\n<body>\n<pre>Cannot {method} {path}</pre>\n"
               "</body>\n</html>\n")
GCS_ERROR = ("<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code>"
             "<Message>{message}</Message><Details>{details}</Details></Error>")


class ApiError(Exception):
    """An error answer raised anywhere below the router and rendered by `error()`."""

    def __init__(self, status: int, message: str, details: dict | None = None, *,
                 code: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.details = status, message, details
        self.code, self.headers = code, headers or {}


def bad_parameter(parameter: str, value, expected: str, message: str | None = None) -> ApiError:
    return ApiError(400, message or f"Invalid value for {parameter}",
                    {"parameter": parameter, "value": value, "expected": expected})


def error(exc: ApiError, auth_error_code: str = CODES[401]) -> Response:
    code = exc.code or (auth_error_code if exc.status == 401 else
                        CODES.get(exc.status, HTTPStatus(exc.status).name))
    body = {"code": code, "message": exc.message}
    if exc.details is not None:
        body["details"] = exc.details
    return json_response(exc.status, {"status": "error", "error": body}, **exc.headers)


def success(data, metadata: dict | None = None) -> Response:
    body = {"status": "success", "data": data}
    if metadata is not None:
        body["metadata"] = metadata
    return json_response(200, body)


def forced(fault: ForcedError, auth_error_code: str) -> Response:
    """A switched-on fault: the API's envelope, or (html, and by default for 502/503/504)
    the front end's HTML page."""
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    if fault.html or (fault.html is None and fault.status in GATEWAY_STATUSES):
        page = GFE_PAGE.format(status=fault.status).encode()
        return Response(fault.status, page, {"Content-Type": "text/html; charset=UTF-8",
                                             **headers})
    message = f"{HTTPStatus(fault.status).phrase} (forced by the fake)"
    return error(ApiError(fault.status, message, headers=headers), auth_error_code)


def express_not_found(method: str, path: str) -> Response:
    page = EXPRESS_404.format(method=method, path=path).encode()
    return Response(404, page, {"Content-Type": "text/html; charset=utf-8",
                                "Content-Security-Policy": "default-src 'none'"})


def gcs_error(status: int, code: str, message: str, details: str = "") -> Response:
    body = GCS_ERROR.format(code=code, message=message, details=details).encode()
    return Response(status, body, {"Content-Type": "application/xml; charset=UTF-8"})
