"""File transfers of the fake Labstep: signed-link minting, the signed GET, multipart upload.

Download is two steps (reference B.3): `POST /api/generic/file/download/{id}` (apikey) answers
`{"signed_url": ...}`, then an unauthenticated GET of that URL streams the bytes. An external
cloud file (`link_source` set) cannot be served: its download answers 400. Uploads above the
size limit get nginx's 413 page; a body far above it is not even read (the fake answers and hangs
up, as a proxy does, so a client may see a reset instead of the 413).
"""
from tests.fakes.content import parse_range
from tests.fakes.labstep_errors import labstep_error, nginx_error, s3_error
from tests.fakes.labstep_files import parse_upload
from tests.fakes.loopback import Response, json_response

UPLOAD_SLACK = 64 * 1024  # multipart framing allowed on top of the file size limit


def download_link(fake, ident: str) -> Response:
    row = fake.store.find("file", ident)
    if row is None or row["deleted_at"] is not None:
        return labstep_error(404, f"file {ident} not found")
    if row["link_source"] is not None:
        return labstep_error(400, f"file {ident} is stored on {row['link_source']} and cannot be "
                           "downloaded")
    expired = bool(fake.faults.take("expired_url", f"/api/generic/file/download/{row['id']}/"))
    token = fake.signed.mint(row["id"], fake.store.content(row["id"]), row["name"],
                             row["mime_type"], expired=expired)
    return json_response(200, {"signed_url": f"{fake.base_url}/_signed/{token}"})


def serve_signed(fake, token: str, headers) -> Response:
    link, why = fake.signed.resolve(token)
    if link is None:
        message = "Request has expired" if why == "expired" else "Access Denied"
        return s3_error(403, "AccessDenied", message)
    content = link.content
    wanted = parse_range(headers.get("Range"), content.size)
    if wanted == "unsatisfiable":
        return s3_error(416, "InvalidRange", "The requested range is not satisfiable",
                        **{"Content-Range": f"bytes */{content.size}"})
    start, end = wanted or (0, content.size)
    out = {"Content-Type": link.mime_type, "Accept-Ranges": "bytes",
           "Content-Disposition": f'attachment; filename="{link.name}"'}
    status = 200
    if wanted:
        status = 206
        out["Content-Range"] = f"bytes {start}-{end - 1}/{content.size}"
    keep = fake.faults.take("cut_download", f"/_signed/{token}/file/{link.file_id}/")
    if keep is None:
        return Response(status, headers=out, declared_length=end - start,
                        chunks=content.chunks(start, end))
    sent_end = start + int((end - start) * float(keep))
    return Response(status, headers=out, declared_length=end - start,
                    chunks=content.chunks(start, sent_end), close=True)


def too_large(*, hang_up: bool = False) -> Response:
    response = nginx_error(413, "Request Entity Too Large")
    response.close = hang_up
    return response


def upload(fake, headers, body: bytes) -> Response:
    limit = fake.upload_limit
    try:
        fields, part = parse_upload(headers.get("Content-Type") or "", body)
    except ValueError as exc:
        return labstep_error(400, str(exc))
    if part is None:
        return labstep_error(400, "no file part named 'file' in the upload")
    if len(part["data"]) > limit:
        return too_large()
    try:
        view = fake.add_uploaded_file(part["name"], part["data"], part["mime_type"], fields)
    except (KeyError, ValueError) as exc:
        return labstep_error(400, f"bad upload field: {exc}")
    return json_response(200, {str(view["id"]): view})
