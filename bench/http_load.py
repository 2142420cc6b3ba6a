"""What bench/web_bench.py and bench/load_bench.py share: gunicorn serving the application under the bench settings,
signed-in HTTP sessions over http.client, a bounded load driver, the workers' memory, and the figures.

Standard library only (the server side is the project's venv). Every connection goes to 127.0.0.1: the scripts
refuse any other host. Nothing here imports Django, so the tests can import the pure functions cheaply.
"""

from __future__ import annotations

import html
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEMO_PASSWORD = "rakornis-demo"
LOGIN_PATH = "/masuk/"
MINIMAL_PATH = "/bench/minimal/"


# Figures -------------------------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `fraction` of the values at or below it (nan when
    there are none). p99 of fewer than 100 values is the largest."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)), 1) - 1]


@dataclass(frozen=True)
class Sample:
    """One request: wall seconds from connect to the last byte, HTTP status (0 when none came), body bytes, the
    X-Queries header (None when absent) and an error text (empty when the request was what was expected)."""

    seconds: float
    status: int
    nbytes: int
    queries: int | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass(frozen=True)
class Summary:
    requests: int
    errors: int
    p50_ms: float
    p99_ms: float
    rate: float  # successful requests per wall second
    queries: str  # "12", or "11-13" when they vary
    kbytes: float  # median body size

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0


def summarise(samples: Sequence[Sample], wall_seconds: float) -> Summary:
    """p50/p99 over the successful requests; the rate counts successful requests over the wall time they took."""
    good = [sample for sample in samples if sample.ok]
    times = [sample.seconds * 1000 for sample in good]
    counts = sorted({sample.queries for sample in good if sample.queries is not None})
    queries = "" if not counts else str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
    sizes = [sample.nbytes / 1024 for sample in good]
    return Summary(
        requests=len(samples),
        errors=len(samples) - len(good),
        p50_ms=percentile(times, 0.5),
        p99_ms=percentile(times, 0.99),
        rate=len(good) / wall_seconds if wall_seconds > 0 else 0.0,
        queries=queries,
        kbytes=percentile(sizes, 0.5),
    )


def ratio(value: float, reference: float) -> float:
    return value / reference if reference > 0 and not math.isnan(value) else math.nan


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub markdown table; floats with one decimal from 1 up, two below 1 and three below 0.1 (ratios: a 0.26
    must not print as the 0.3 of a target)."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            if math.isnan(value):
                return "-"
            if abs(value) < 0.1:
                return f"{value:.3f}"
            return f"{value:.2f}" if abs(value) < 1 else f"{value:.1f}" if abs(value) < 1000 else f"{value:,.0f}"
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def load_average() -> float:
    """The one-minute load average of the machine."""
    with open("/proc/loadavg") as loadavg:
        return float(loadavg.read().split()[0])


def hidden_inputs(page: str) -> dict[str, str]:
    """name -> value of every `<input type="hidden">` of a page (CSRF token, the form's one-time token...)."""
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", page, flags=re.IGNORECASE):
        attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
        if attributes.get("type", "").lower() == "hidden" and "name" in attributes:
            fields[attributes["name"]] = html.unescape(attributes.get("value", ""))
    return fields


# HTTP ----------------------------------------------------------------------------------------------------------------


class Session:
    """A signed-in browser, reduced to its cookies. Safe to share between threads for GETs (the cookies only grow)."""

    def __init__(self, port: int, *, timeout: float = 180.0) -> None:
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.username = ""

    def request(
        self, method: str, path: str, *, body: bytes | None = None, headers: Mapping[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        connection = HTTPConnection(HOST, self.port, timeout=self.timeout)
        try:
            sent = {"Host": f"{HOST}:{self.port}", "Accept-Language": "id", **(headers or {})}
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            content = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    for morsel in SimpleCookie(value).values():
                        if morsel.value:
                            self.cookies[morsel.key] = morsel.value
                        else:
                            self.cookies.pop(morsel.key, None)
            return response.status, {name.lower(): value for name, value in response.getheaders()}, content
        finally:
            connection.close()

    def fetch(
        self,
        method: str,
        path: str,
        *,
        expect: int = 200,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Sample:
        """One timed request; an unexpected status or a network error is a sample with an error text."""
        started = time.perf_counter()
        try:
            status, received, content = self.request(method, path, body=body, headers=headers)
        except OSError as exc:  # refused, reset, timed out: the server was not there
            return Sample(time.perf_counter() - started, 0, 0, None, f"{type(exc).__name__}: {exc}")
        seconds = time.perf_counter() - started
        queries = int(received["x-queries"]) if received.get("x-queries", "").isdigit() else None
        error = "" if status == expect else f"HTTP {status} on {path.split('?')[0]}"
        if status == 302 and expect != 302 and received.get("location", "").startswith(LOGIN_PATH):
            error = "HTTP 302 to the login page (signed out)"
        return Sample(seconds, status, len(content), queries, error)

    def get(self, path: str, *, expect: int = 200) -> Sample:
        return self.fetch("GET", path, expect=expect)

    def post_form(self, path: str, data: Mapping[str, str], *, expect: int = 302) -> Sample:
        """GET the form (its CSRF and one-time tokens), then POST `data` over it, timed together."""
        started = time.perf_counter()
        try:
            status, _, content = self.request("GET", path)
        except OSError as exc:
            return Sample(time.perf_counter() - started, 0, 0, None, f"{type(exc).__name__}: {exc}")
        if status != 200:
            return Sample(time.perf_counter() - started, status, len(content), None, f"HTTP {status} on the form")
        fields = {**hidden_inputs(content.decode("utf-8", "replace")), **data}
        sample = self.fetch(
            "POST",
            path,
            expect=expect,
            body=urllib.parse.urlencode(fields).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://{HOST}:{self.port}{path}",
            },
        )
        return Sample(time.perf_counter() - started, sample.status, sample.nbytes, sample.queries, sample.error)

    def sign_in(self, username: str, password: str = DEMO_PASSWORD) -> None:
        self.username = username
        sample = self.post_form(LOGIN_PATH, {"username": username, "password": password})
        if not sample.ok or "sessionid" not in self.cookies:
            raise RuntimeError(f"could not sign in as {username}: {sample.error or 'no session cookie'}")


# The load ------------------------------------------------------------------------------------------------------------


def drive(
    request: Callable[[int], Sample], *, concurrency: int, seconds: float, max_requests: int
) -> tuple[list[Sample], float]:
    """Run `request(thread index)` from `concurrency` threads until `seconds` have passed or `max_requests` were
    started; a request under way is let finish. Returns the samples and the wall time until the last one ended."""
    samples: list[Sample] = []
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + seconds
    issued = 0

    def worker(index: int) -> None:
        nonlocal issued
        while True:
            with lock:
                if issued >= max_requests or time.perf_counter() >= deadline:
                    return
                issued += 1
            sample = request(index)
            with lock:
                samples.append(sample)

    threads = [threading.Thread(target=worker, args=(index,), daemon=True) for index in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, time.perf_counter() - started


# The server ----------------------------------------------------------------------------------------------------------


def process_children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            return [int(child) for child in children.read().split()]
    except OSError:
        return []


def memory_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KiB: resident now, and its peak; (0, 0) once it has gone."""
    values = {"VmRSS": 0, "VmHWM": 0}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key in values:
                    values[key] = int(rest.split()[0])
    except OSError:
        pass
    return values["VmRSS"], values["VmHWM"]


@dataclass
class MemoryWatch:
    """Samples the resident memory of a gunicorn master's workers every `interval` seconds in a thread.

    `window_peak_mib()` is the largest worker seen since the last call; `peak_mib` the largest over the whole run
    (from the kernel's own high-water mark, VmHWM, so a peak between two samples still counts)."""

    master: int
    interval: float = 0.2
    peak_mib: float = 0.0
    _window: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for pid in process_children(self.master):
                rss, hwm = memory_kib(pid)
                self._window = max(self._window, rss / 1024)
                self.peak_mib = max(self.peak_mib, hwm / 1024, rss / 1024)

    def window_peak_mib(self) -> float:
        peak, self._window = self._window, 0.0
        return peak

    def stop(self) -> None:
        self._stop.set()


def server_environment(database_url: str, workdir: Path, **extra: str) -> dict[str, str]:
    """Production-like: DEBUG off, the manifest static storage, a secret key, no secure cookies (plain HTTP on
    127.0.0.1), files in a temporary folder, the bench settings."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": HOST,
        "SECURE_COOKIES": "false",
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
        "PYTHONPATH": str(ROOT),
    }
    environment.update(extra)
    return environment


def manage(environment: Mapping[str, str], *args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=dict(environment), cwd=ROOT, check=True)


@dataclass
class Gunicorn:
    """gunicorn serving rakornis.wsgi under the bench settings on 127.0.0.1:`port`, after collectstatic into the
    work folder (whitenoise's manifest, as in production)."""

    environment: dict[str, str]
    port: int
    workers: int = 2
    timeout: int = 180
    log: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if (
            self.environment.get("STATIC_ROOT")
            and not (Path(self.environment["STATIC_ROOT"]) / "staticfiles.json").exists()
        ):
            manage(self.environment, "collectstatic", "--noinput", "-v0")
        gunicorn = Path(sys.executable).with_name("gunicorn")
        log = open(self.log or os.devnull, "ab")
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "rakornis.wsgi",
                "--bind",
                f"{HOST}:{self.port}",
                "--workers",
                str(self.workers),
                "--timeout",
                str(self.timeout),
                "--chdir",
                str(ROOT),
            ],
            env=self.environment,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        probe = Session(self.port, timeout=10)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode} (log: {self.log})")
            if probe.get(LOGIN_PATH).ok:
                return
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer {LOGIN_PATH} within 60 s (log: {self.log})")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def exceptions(self) -> dict[str, int]:
        """The exceptions the server logged (the last line of each traceback), counted: why requests failed."""
        counted: dict[str, int] = {}
        if self.log and self.log.exists():
            for line in self.log.read_text(errors="replace").splitlines():
                # "KeyError: ...", "django.urls.exceptions.NoReverseMatch: ...": a dotted name, a colon, the message.
                if re.match(r"^[A-Za-z_][\w.]*: \S", line):
                    counted[line[:160]] = counted.get(line[:160], 0) + 1
        return counted

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid


@contextmanager
def workdir(prefix: str) -> Iterator[Path]:
    """A temporary folder, removed afterwards unless BENCH_KEEP is set (its logs say why a run failed)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        if os.environ.get("BENCH_KEEP"):
            print(f"kept {path}", file=sys.stderr)
        else:
            shutil.rmtree(path, ignore_errors=True)


def git_commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
        ).stdout
        return commit + (" (+ uncommitted changes in the tree)" if dirty.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
