"""Where a repository's files may be: every read and write of a dataset file goes through here.

A file is opened only if its resolved path lies inside `MIRROR_DATA_ROOT/<repository name>`,
and that folder itself lies inside the data root. The checks are made on the resolved path, so
neither `..` in a name nor a symbolic link can lead outside. Names that come from outside (a
repository or subject name, a collection, a file name) are checked component by component
first, so a bad one is refused with a message instead of being written somewhere unexpected.
"""
import hashlib
import re
import unicodedata
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

# One folder or file name: word characters, '.', '-' (Alyx's rule for names), not '.' or '..'.
COMPONENT = re.compile(r"^(?!\.\.?$)[\w.-]+$")
COMPONENT_MESSAGE = "Letters, digits, '.', '_' and '-' only, and not '.' or '..'."
MAX_COMPONENT_BYTES = 255  # the longest file name most file systems take
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UnsafePath(ValueError):
    """A path from outside that would leave its repository, or a name unfit for a folder."""


def check_component(text: str, what: str = "name") -> str:
    """`text` if it can be one folder or file name; UnsafePath naming `what` otherwise."""
    if not isinstance(text, str) or not COMPONENT.match(text):
        raise UnsafePath(f"{what} {text!r} cannot be a folder or file name: {COMPONENT_MESSAGE}")
    if len(text.encode()) > MAX_COMPONENT_BYTES:
        raise UnsafePath(f"{what} is longer than {MAX_COMPONENT_BYTES} bytes")
    return text


def check_relative_path(text: str, what: str = "relative path", *, strict: bool = False) -> str:
    """`text` if it is a relative path ('a/b/c.csv') that stays where it starts; else UnsafePath.

    Every part must be a name: not empty, not '.' or '..', no NUL or other control character,
    no backslash. `strict` also holds each part to `check_component` (names this server makes);
    otherwise parts may hold what Alyx allows in a relative path (`#revision#` folders, spaces).
    """
    if not isinstance(text, str) or not text or text.startswith("/"):
        raise UnsafePath(f"{what} {text!r} must be a relative path such as alf/x.csv")
    for part in text.split("/"):
        if strict:
            check_component(part, f"{what} part")
        elif part in ("", ".", "..") or CONTROL.search(part) or "\\" in part:
            raise UnsafePath(f"{what} {text!r} has a part {part!r}: parts cannot be empty, "
                             "'.' or '..', nor hold backslashes or control characters")
        elif len(part.encode()) > MAX_COMPONENT_BYTES:
            raise UnsafePath(f"{what} has a part longer than {MAX_COMPONENT_BYTES} bytes")
    return text


def _as_validation_error(check, value: str, **options) -> None:
    if value == "":
        return  # blank is the field's own business (blank=True, or required)
    try:
        check(value, **options)
    except UnsafePath as error:
        raise ValidationError(str(error), code="invalid") from None


# Model-field validators: a 400 naming the field over the API, a form error in the admin.
def validate_component(value: str) -> None:
    _as_validation_error(check_component, value)


def validate_collection(value: str) -> None:
    _as_validation_error(check_relative_path, value, what="collection", strict=True)


def validate_relative_path(value: str) -> None:
    _as_validation_error(check_relative_path, value)


def data_root() -> Path:
    return Path(settings.MIRROR_DATA_ROOT).resolve()


def repository_root(name: str) -> Path:
    """`<data root>/<name>`, resolved, refused unless it is a folder directly inside the root."""
    root = data_root()
    folder = (root / check_component(name, "repository name")).resolve()
    if folder.parent != root:
        raise UnsafePath(f"repository {name!r} does not lie inside MIRROR_DATA_ROOT")
    return folder


def repository_file(name: str, relative_path: str) -> Path:
    """The file `relative_path` of repository `name`, refused unless it resolves inside it."""
    folder = repository_root(name)
    candidate = (folder / check_relative_path(relative_path)).resolve()
    if not candidate.is_relative_to(folder) or candidate == folder:
        raise UnsafePath(f"{relative_path!r} leads outside repository {name!r}")
    return candidate


def safe_component(text: str, *, prefix: str = "", max_length: int = 64) -> str:
    """A folder name made from outside text (a participant code, a file name's stem).

    Text that is already a valid name of at most `max_length` characters (with `prefix`) is kept
    as it is, so existing names do not change. Otherwise disallowed characters become '_' and
    a short hash of the original is appended, so two different texts never share a name.
    """
    text = unicodedata.normalize("NFC", str(text))
    candidate = prefix + text
    if COMPONENT.match(candidate) and len(candidate) <= max_length \
            and len(candidate.encode()) <= MAX_COMPONENT_BYTES:
        return candidate
    digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    cleaned = re.sub(r"[^\w.-]+", "_", text, flags=re.ASCII).strip("._") or "x"
    room = max_length - len(prefix) - len(digest) - 1
    return f"{prefix}{cleaned[:room]}-{digest}"
