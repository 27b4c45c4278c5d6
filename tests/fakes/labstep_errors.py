"""The fake Labstep's error bodies: `{"error": "<text>"}` from the API (upstream's shape is
undocumented, reference B.1), nginx's HTML page from the gateway in front of it, and S3's XML
from the storage behind signed URLs."""
import secrets

from tests.fakes.loopback import Response, json_response

S3_ERROR = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            '<Message>{message}</Message><RequestId>{request_id}</RequestId></Error>')

NGINX_PAGE = ("<html>\r\n<head><title>{0}</title></head>\r\n<body>\r\n<center><h1>{0}</h1>"
              "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")


def labstep_error(status: int, message: str, **headers: str) -> Response:
    return json_response(status, {"error": message}, **headers)


def nginx_error(status: int, phrase: str, **headers: str) -> Response:
    page = NGINX_PAGE.format(f"{status} {phrase}").encode()
    return Response(status, page, {"Content-Type": "text/html", **headers})


def s3_error(status: int, code: str, message: str, **headers: str) -> Response:
    body = S3_ERROR.format(code=code, message=message, request_id=secrets.token_hex(8).upper())
    return Response(status, body.encode(), {"Content-Type": "application/xml", **headers})
