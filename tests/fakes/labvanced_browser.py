"""Plays a participant's browser against our Labvanced webhook receiver, route by route, in order.

With "external data storage" on, the Labvanced player in the participant's browser POSTs each step
of a session to `<base><path><route>` (reference A.2): session start, meta info, each task start,
each trial (strictly one at a time), then finish or error, plus multipart media uploads. The replay
sends what that browser sends: an OPTIONS preflight whenever the POST is not CORS-simple (JSON is
not; form and multipart are, so browsers skip it; `preflight="always"` forces it), an `Origin`
header, JSON bodies (or jQuery form encoding), and it skips a POST whose preflight a browser would
reject. Every problem is collected into a `ReplayReport`; nothing raises on a bad answer.
"""
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.fakes.labvanced_cors import (
    LABVANCED_ORIGIN,
    jquery_param,
    needs_preflight,
    origin_problems,
    preflight_problems,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "labvanced" / "webhook"
JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded; charset=UTF-8"
USER_AGENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/124.0.0.0 Safari/537.36")


def load_script(name: str | int | Path) -> dict:
    """A recorded session script: `load_script(259515)` reads fixtures/.../webhook/259515.json."""
    path = name if isinstance(name, Path) else FIXTURES / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass
class Exchange:
    """One request and what came back; `problems` are failures, `warnings` doc-only concerns."""

    method: str
    route: str
    status: int | None = None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    elapsed: float = 0.0


@dataclass
class ReplayReport:
    exchanges: list[Exchange] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        return [f"{e.method} {e.route}: {p}" for e in self.exchanges for p in e.problems]

    @property
    def warnings(self) -> list[str]:
        return [f"{e.method} {e.route}: {w}" for e in self.exchanges for w in e.warnings]

    @property
    def ok(self) -> bool:
        return not self.failures

    def sequence(self, method: str = "POST") -> list[str]:
        """Routes in the order sent, e.g. to assert the receiver saw the player's order."""
        return [e.route for e in self.exchanges if e.method == method]


class BrowserReplay:
    """`BrowserReplay(receiver_url, "/lv/4107").replay(load_script(259515))` -> ReplayReport."""

    def __init__(self, base_url: str, path: str = "", *, encoding: str = "json",
                 preflight: str = "auto", check: bool = True, repeat_trials=(),
                 timeout: float = 10.0, origin: str = LABVANCED_ORIGIN,
                 upload_fields: tuple[str, str, str] = ("expSessionNr", "newFileName", "myFile"),
                 session: requests.Session | None = None):
        if encoding not in ("json", "form") or preflight not in ("auto", "always", "never"):
            raise ValueError("encoding is 'json' or 'form'; preflight 'auto', 'always' or 'never'")
        namespace = path.strip("/")
        self.url = base_url.rstrip("/") + (f"/{namespace}" if namespace else "")
        self.encoding, self.preflight, self.check = encoding, preflight, check
        self.timeout = timeout
        self.repeat_trials, self.origin, self.upload_fields = repeat_trials, origin, upload_fields
        self.http = session or requests.Session()

    def replay(self, script: dict) -> ReplayReport:
        """Send one whole session in the player's order; trials wait for the previous answer."""
        report = ReplayReport()
        ids = {"expSessionNr": script["exp_session_nr"], "expId": script["exp_id"]}
        self.post(report, "/setPlayerSessionStartedTime", {
            "start_time": script["start_time"], **ids, "sessionNr": script["session_nr"],
            "groupNr": script["group_nr"], "token": script.get("token")})
        self.post(report, "/addMetaInfo", {**ids, "var_data": script.get("var_data", {})})
        for task in script["tasks"]:
            self.post(report, "/recordStartTask", {
                **ids, "blockNr": task["block_nr"], "blockId": task["block_id"],
                "blockName": task["block_name"], "taskNr": task["task_nr"],
                "taskId": task["task_id"], "taskName": task["task_name"],
                "start_time": task["start_time"], "recTaskId": task["rec_task_id"]})
            for trial in task["trials"]:
                payload = {"expSessionNr": ids["expSessionNr"], "trialNr": trial["trial_nr"],
                           "recData": {"data": trial["data"], "scope": "trial"},
                           "recTaskId": task["rec_task_id"], "expId": ids["expId"],
                           "taskId": task["task_id"]}
                for _ in range(2 if self._repeats(task["task_nr"], trial["trial_nr"]) else 1):
                    self.post(report, "/recordTrial", payload)
        for upload in script.get("files", []):
            self.upload(report, ids["expSessionNr"], upload)
        if script.get("outcome", "finish") == "error":
            self.post(report, "/errExpSession", {**ids, "err_msg": script.get("err_msg", "")})
        else:
            self.post(report, "/finishExpSession", {
                "expSessionNr": ids["expSessionNr"], "end_time": script.get("end_time"),
                "nextStartTime": None, "nextEndTime": None, "reminderTime": None,
                "emailReminder": "noReminder", "var_data": script.get("finish_var_data", {}),
                "selectedEmail": "", "expId": ids["expId"]})
        return report

    def post(self, report: ReplayReport, route: str, payload: dict) -> Exchange:
        if self.encoding == "json":
            body, content_type = json.dumps(payload).encode("utf-8"), JSON_TYPE
        else:
            body, content_type = jquery_param(payload).encode("ascii"), FORM_TYPE
        return self._send(report, route, content_type, data=body,
                          headers={"Content-Type": content_type})

    def upload(self, report: ReplayReport, exp_session_nr: int, spec: dict) -> Exchange:
        """Multipart media upload; field names are unverified upstream, hence `upload_fields`."""
        nr_field, name_field, file_field = self.upload_fields
        content = spec.get("content") or _media_bytes(spec["name"], spec.get("size", 1024))
        files = {file_field: (spec["name"], content, spec.get("content_type", "video/webm"))}
        data = {nr_field: str(exp_session_nr), name_field: spec["name"]}
        return self._send(report, "/file_upload", "multipart/form-data", data=data, files=files)

    def _send(self, report: ReplayReport, route: str, content_type: str, **kwargs) -> Exchange:
        if self.preflight == "always" or (self.preflight == "auto"
                                          and needs_preflight(content_type)):
            check = self._preflight(report, route, "content-type")
            if check.problems:
                skipped = Exchange("POST", route, problems=["not sent: the browser would block it "
                                                             "after the failed preflight"])
                report.exchanges.append(skipped)
                return skipped
        headers = {**self._browser_headers(), **kwargs.pop("headers", {})}
        exchange, answer = self._request(report, "POST", route, headers=headers, **kwargs)
        if self.check and answer is not None:
            exchange.problems += self._answer_problems(answer)
        return exchange

    def _preflight(self, report: ReplayReport, route: str, request_headers: str) -> Exchange:
        headers = {**self._browser_headers(), "Access-Control-Request-Method": "POST",
                   "Access-Control-Request-Headers": request_headers}
        exchange, answer = self._request(report, "OPTIONS", route, headers=headers)
        if answer is not None:
            failures, warnings = preflight_problems(answer.status_code, answer.headers,
                                                    request_headers, self.origin)
            exchange.problems += failures
            exchange.warnings += warnings
        return exchange

    def _request(self, report: ReplayReport, method: str, route: str,
                 **kwargs) -> tuple[Exchange, requests.Response | None]:
        exchange, answer = Exchange(method, route), None
        report.exchanges.append(exchange)
        began = time.monotonic()
        try:
            answer = self.http.request(method, self.url + route, timeout=self.timeout, **kwargs)
            exchange.status = answer.status_code
        except requests.RequestException as exc:
            exchange.problems.append(f"no answer: {type(exc).__name__}: {exc}")
        exchange.elapsed = time.monotonic() - began
        return exchange, answer

    def _answer_problems(self, answer: requests.Response) -> list[str]:
        problems = origin_problems(answer.headers, self.origin)
        if not 200 <= answer.status_code < 300:
            problems.append(f"answered {answer.status_code}, not 2xx")
        try:
            success = answer.json().get("success")
        except (ValueError, AttributeError):
            return [*problems, f"body is not a JSON object: {answer.text[:80]!r}"]
        if success is not True:
            problems.append(f'body has "success": {success!r}, the player needs true')
        return problems

    def _browser_headers(self) -> dict[str, str]:
        return {"Origin": self.origin, "Referer": self.origin + "/", "User-Agent": USER_AGENT,
                "Accept": "*/*"}

    def _repeats(self, task_nr: int, trial_nr: int) -> bool:
        if self.repeat_trials == "all":
            return True
        return trial_nr in self.repeat_trials or (task_nr, trial_nr) in self.repeat_trials


def _media_bytes(name: str, size: int) -> bytes:
    """Deterministic stand-in media: the WebM/EBML magic, then bytes derived from the name."""
    seed = hashlib.sha256(name.encode()).digest()
    return (b"\x1aE\xdf\xa3" + seed * (size // len(seed) + 1))[:size]
