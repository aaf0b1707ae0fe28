"""A classroom on JupyterHub: the teacher's hub, nbgitpuller links, and a load test that sizes the machine.

    python -m rnnedu.classroom hub --admin teacher            # what `make hub` runs (as root)
    python -m rnnedu.classroom link --hub https://hub.example.org --notebook 04
    python -m rnnedu.classroom loadtest --students 1 2 4 8    # writes build/classroom/loadtest.csv
    python -m rnnedu.classroom table docs/classroom_loadtest.csv

`hub` starts JupyterHub with classroom/jupyterhub_config.py: each student is a real Unix user whose own
server runs the course's environment. `link` prints the nbgitpuller link that hands a student the course (and,
clicked again later, merges the teacher's changes into the student's copy). `loadtest` starts a hub with N test
students, logs each in through the hub's REST API, pulls the course into each home with nbgitpuller from a local
clone, runs one notebook in every student's kernel at once through their server's REST and websocket API, and
reports how many finished with every cell correct, how long they waited and how much memory they took.
docs/classroom.md explains all three; nothing in the package imports this module.
"""

import argparse
import asyncio
import configparser
import contextlib
import csv
import dataclasses
import datetime
import importlib.metadata
import json
import os
import pathlib
import pwd
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

from rnnedu._validate import check_argv, check_int, check_number, check_str, describe

__all__ = [
    "LoadResult",
    "LocalHub",
    "NotebookRun",
    "Student",
    "course_remote",
    "load_test",
    "main",
    "nbgitpuller_link",
    "sizing_table",
]

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONFIG = ROOT / "classroom" / "jupyterhub_config.py"
PROXY = ROOT / "classroom" / "node_modules" / ".bin" / "configurable-http-proxy"
NOTEBOOKS = ROOT / "notebooks"
MAX_STUDENTS = 500  # the most one load test starts: far past what one machine holds
CHECKED = "nbval-check-output"  # the tag of cells whose outputs are facts (compared as nbval does)
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"  # nbval's replacements for times and addresses, reused here
FIELDS = [
    "students",
    "finished",
    "first_output_median_s",
    "first_output_max_s",
    "end_median_s",
    "end_max_s",
    "peak_mb_per_student",
    "peak_mb_total",
    "cpu_s",
    "broke",
    "notebook",
    "cores",
    "memory_gb",
    "load_before",
    "date",
    "command",
]


def nbgitpuller_link(hub, notebook=None, repository=None, branch="main"):
    """Return the nbgitpuller link that gives a student the course on `hub` and opens a notebook in JupyterLab.

    The first click clones the course into the student's home (`~/rnnedu`); a later click merges the teacher's
    new commits into it and keeps the student's own edits (nbgitpuller's merge, tested in
    tests/test_classroom.py).

    Args:
        hub: str, the hub's address, "http(s)://host[:port][/prefix]", without a query.
        notebook: None for notebooks/00_start_here.ipynb, or a notebook's number (int or "04").
        repository: str, the git URL to pull; None for the course's repository (pyproject.toml's Repository).
        branch: str, the branch to pull.

    Returns:
        str, the link, with every query value URL-encoded.

    Example:
    >>> nbgitpuller_link("https://hub.example.org/", 4, repository="https://github.com/rnnedu/rnnedu")
    'https://hub.example.org/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Frnnedu%2Frnnedu&branch=main&urlpath=lab%2Ftree%2Frnnedu%2Fnotebooks%2F04_rnn_cells.ipynb'
    """
    hub = _check_url("hub", hub)
    repository = _repository() if repository is None else _check_url("repository", repository)
    branch = check_str("branch", branch)
    if not re.fullmatch(r"[A-Za-z0-9._/-]+", branch) or ".." in branch:
        raise ValueError(f"`branch` must be a git branch name (letters, digits, . _ / -), got {describe(branch)}.")
    target = repository.rstrip("/").split("/")[-1].removesuffix(".git")
    path = _notebook_path(0 if notebook is None else notebook).relative_to(ROOT).as_posix()
    query = {"repo": repository, "branch": branch, "urlpath": f"lab/tree/{target}/{path}"}
    return f"{hub}/hub/user-redirect/git-pull?{urllib.parse.urlencode(query, quote_via=urllib.parse.quote, safe='')}"


@dataclasses.dataclass(frozen=True)
class NotebookRun:
    """One student's run of a notebook through their server, cell by cell.

    Fields:
        notebook: the notebook's path in the student's home.
        cells: int, the code cells run.
        failures: tuple of str, one line per cell that raised or whose checked output differs from the committed
            one (empty: every cell correct).
        first_output_s: float, seconds from the start of the run to the kernel's first output (None: no output).
        seconds: float, seconds from the start of the run to the end of the last cell.
    """

    notebook: str
    cells: int
    failures: tuple
    first_output_s: float | None
    seconds: float

    @property
    def correct(self):
        """True when every cell ran and every checked output matched."""
        return not self.failures


@dataclasses.dataclass(frozen=True)
class LoadResult:
    """The load test's result for one class size, one row of its CSV (the fields are the CSV's columns).

    Fields:
        students: int, students started at once.
        finished: int, students who finished the notebook with every cell correct.
        first_output_median_s, first_output_max_s: float, seconds from a student's log-in to their notebook's
            first output (log-in, server start, nbgitpuller and kernel start included).
        end_median_s, end_max_s: float, seconds from log-in to the notebook's last cell done.
        peak_mb_per_student: float, the largest peak memory (PSS, MB) of one student's server and kernel.
        peak_mb_total: float, the peak memory of all students' processes together (MB).
        cpu_s: float, CPU seconds used by the students' processes.
        broke: str, why this size failed (memory, a timeout, a spawn or pull error), or "" when it held.
        notebook: str, the notebook run.
        cores, memory_gb: the machine's CPU cores and memory.
        load_before: float, the machine's 1-minute load average before the run (others' load inflates times).
        date: str, when it ran (UTC).
        command: str, the command that produced it.
    """

    students: int
    finished: int
    first_output_median_s: float
    first_output_max_s: float
    end_median_s: float
    end_max_s: float
    peak_mb_per_student: float
    peak_mb_total: float
    cpu_s: float
    broke: str
    notebook: str
    cores: int
    memory_gb: float
    load_before: float
    date: str
    command: str


class Student:
    """One logged-in student of a `LocalHub`: their token, their server, their kernel.

    Made by `LocalHub.login`; every method is a coroutine that talks HTTP to the hub or, through the hub's proxy,
    to the student's own Jupyter server.

    Args:
        hub: the LocalHub.
        name: str, the student's name (also their Unix user).
        token: str, the API token the hub gave them at log-in.
    """

    def __init__(self, hub, name, token):
        if not isinstance(hub, LocalHub):
            raise TypeError(f"`hub` must be a LocalHub, got {describe(hub)}.")
        self.hub, self.name, self.token = hub, check_str("name", name), check_str("token", token)

    @property
    def server_url(self):
        """The student's server, through the hub's proxy."""
        return f"{self.hub.url}/user/{self.name}"

    async def request(self, url, method="GET", body=None, timeout=60):
        """Send an HTTP request with the student's token; return (status, decoded JSON or text or None)."""
        return await _http(url, method, body, self.token, timeout)

    async def start_server(self, timeout=180):
        """Ask the hub to start the student's server; wait until the hub says it is ready."""
        status, answer = await self.request(f"{self.hub.url}/hub/api/users/{self.name}/server", "POST", {})
        if status not in (201, 202, 400):  # 400: already running
            raise RuntimeError(f"the hub refused to start {self.name}'s server: HTTP {status} {answer}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, user = await self.request(f"{self.hub.url}/hub/api/users/{self.name}")
            if status == 200 and user["servers"].get("", {}).get("ready"):
                return user["servers"][""]
            await asyncio.sleep(0.5)
        raise TimeoutError(f"{self.name}'s server was not ready after {timeout} s")

    async def pull(self, repository, branch, targetpath="rnnedu", timeout=300):
        """Pull the course into the student's home with nbgitpuller, as their link does; return its log."""
        query = urllib.parse.urlencode({"repo": repository, "branch": branch, "targetpath": targetpath})
        status, text = await self.request(f"{self.server_url}/git-pull/api?{query}", timeout=timeout)
        events = [json.loads(line[5:]) for line in str(text).splitlines() if line.startswith("data:")]
        if status != 200 or not events or events[-1].get("phase") != "finished":
            raise RuntimeError(f"nbgitpuller failed for {self.name}: HTTP {status} {str(text)[-600:]}")
        return "".join(event.get("output", "") for event in events)

    async def kernel(self, path):
        """Open a notebook session at `path` (relative to the home): return its open `_Kernel`."""
        body = {"path": path, "type": "notebook", "name": "", "kernel": {"name": "python3"}}
        status, session = await self.request(f"{self.server_url}/api/sessions", "POST", body)
        if status != 201:
            raise RuntimeError(f"{self.name} could not start a kernel for {path}: HTTP {status} {session}")
        return await _Kernel.connect(self, session["kernel"]["id"])

    async def execute(self, code, timeout=120):
        """Run `code` in a new kernel of the student's; return its outputs (list of nbformat-like dicts)."""
        kernel = await self.kernel(f"scratch-{uuid.uuid4().hex[:8]}.ipynb")
        try:
            return (await kernel.execute(code, timeout))[1]
        finally:
            kernel.close()
            await self.request(f"{self.server_url}/api/kernels/{kernel.kernel_id}", "DELETE")

    async def run_notebook(self, path, timeout=600):
        """Run every code cell of the notebook at `path` in the student's home; return a NotebookRun."""
        status, model = await self.request(f"{self.server_url}/api/contents/{urllib.parse.quote(path)}")
        if status != 200:
            raise RuntimeError(f"{self.name} cannot open {path}: HTTP {status} {model}")
        cells = [cell for cell in model["content"]["cells"] if cell["cell_type"] == "code"]
        start = time.monotonic()
        first, failures = None, []
        kernel = await self.kernel(path)
        try:
            for index, cell in enumerate(cells):
                reply, outputs = await kernel.execute(cell["source"], max(1.0, timeout - (time.monotonic() - start)))
                if outputs and first is None:
                    first = time.monotonic() - start
                problem = _cell_problem(cell, reply, outputs)
                if problem:
                    failures.append(f"cell {index}: {problem}")
                    if reply.get("status") != "ok":
                        break  # the cells after an error would fail for that reason only
        finally:
            kernel.close()
        return NotebookRun(path, len(cells), tuple(failures), first, time.monotonic() - start)


class _Kernel:
    """A kernel's websocket (channels) on a student's server: sends execute_request, gathers what comes back."""

    def __init__(self, connection, kernel_id, session):
        self.connection, self.kernel_id, self.session = connection, kernel_id, session

    @classmethod
    async def connect(cls, student, kernel_id):
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        session = uuid.uuid4().hex
        url = f"{student.server_url.replace('http', 'ws', 1)}/api/kernels/{kernel_id}/channels?session_id={session}"
        request = HTTPRequest(url, headers={"Authorization": f"token {student.token}"}, request_timeout=60)
        return cls(await websocket_connect(request, max_message_size=256 * 2**20), kernel_id, session)

    async def execute(self, code, timeout):
        """Run `code`; return (the execute_reply's content, the outputs in order)."""
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "session": self.session, "username": "", "msg_type": "execute_request"}
        header |= {"version": "5.3", "date": datetime.datetime.now(datetime.UTC).isoformat()}
        content = {"code": code, "silent": False, "store_history": True, "user_expressions": {}}
        content |= {"allow_stdin": False, "stop_on_error": True}
        message = {"header": header, "parent_header": {}, "metadata": {}, "content": content, "channel": "shell"}
        await self.connection.write_message(json.dumps(message))
        reply, outputs, idle = None, [], False
        while reply is None or not idle:
            raw = await asyncio.wait_for(self.connection.read_message(), timeout)
            if raw is None:
                raise ConnectionError("the kernel's websocket closed")
            if not isinstance(raw, str):
                continue  # a binary message (widget buffers): nothing to check
            message = json.loads(raw)
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = message["header"]["msg_type"]
            if kind == "execute_reply":
                reply = message["content"]
            elif kind == "status":
                idle = message["content"]["execution_state"] == "idle"
            elif kind in ("stream", "execute_result", "display_data", "error"):
                outputs.append({"output_type": kind, **message["content"]})
        return reply, outputs

    def close(self):
        self.connection.close()


class LocalHub:
    """A JupyterHub on 127.0.0.1 with test students, from classroom/jupyterhub_config.py (a context manager).

    Run as root: the hub creates a Unix user per student (home 0700) and starts each server as that user. The
    students log in with one random password (the config's test authentication); everything they leave (users,
    homes, processes, cgroups, the hub's state) is removed on exit.

    Args:
        students: int, how many students (Unix users named rnnedu-<run>-<i>).
        mem_limit: str, each student's memory limit, as JupyterHub writes it ("2G").
        cpu_limit: float, each student's CPU limit in cores.
        timeout: float, seconds to wait for the hub to start.

    Example (as root, with classroom/node_modules installed; see tests/test_classroom.py):

        with LocalHub(2) as hub:
            student = asyncio.run(hub.login(hub.students[0]))
    """

    def __init__(self, students, mem_limit="2G", cpu_limit=1.0, timeout=120):
        self.count = check_int("students", students, min_value=1, max_value=MAX_STUDENTS)
        self.mem_limit = check_str("mem_limit", mem_limit)
        if not re.fullmatch(r"\d+(\.\d+)?[KMGT]", mem_limit):
            raise ValueError(f"`mem_limit` must be a size such as '2G' or '512M', got {describe(mem_limit)}.")
        self.cpu_limit = check_number("cpu_limit", cpu_limit, min_value=0.01, max_value=1024)
        self.timeout = check_number("timeout", timeout, min_value=1, max_value=3600)
        run = secrets.token_hex(3)
        self.students = [f"rnnedu-{run}-{i}" for i in range(1, self.count + 1)]
        self.password = secrets.token_urlsafe(24)
        self.process = self.state = None

    def __enter__(self):
        python = _check_can_host()
        self.state = pathlib.Path(tempfile.mkdtemp(prefix="rnnedu-hub-"))
        port, api_port, proxy_port = _free_ports(3)
        self.url = f"http://127.0.0.1:{port}"
        env = dict(os.environ, RNNEDU_HUB_AUTH="test", RNNEDU_HUB_TEST_PASSWORD=self.password)
        env |= {"RNNEDU_HUB_STUDENTS": ",".join(self.students), "RNNEDU_HUB_STATE": str(self.state)}
        env |= {"RNNEDU_HUB_PORT": str(port), "RNNEDU_HUB_API_PORT": str(api_port)}
        env |= {"RNNEDU_HUB_PROXY_API_PORT": str(proxy_port), "RNNEDU_HUB_MEM_LIMIT": self.mem_limit}
        env |= {"RNNEDU_HUB_CPU_LIMIT": str(self.cpu_limit), "RNNEDU_HUB_ADMINS": "", "RNNEDU_HUB_PYTHON": python}
        self.log = self.state / "hub.log"
        with open(self.log, "w") as log:
            command = [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)]
            self.process = subprocess.Popen(
                command, cwd=self.state, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + self.timeout
        while asyncio.run(_http(f"{self.url}/hub/api/", timeout=5))[0] != 200:
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = self.log.read_text()[-3000:]
                self.close()
                raise RuntimeError(f"JupyterHub did not start in {self.timeout:.0f} s:\n{tail}")
            time.sleep(0.5)
        return self

    def __exit__(self, *exc):
        self.close()

    async def login(self, name, password=None):
        """Log `name` in through the hub's REST API (POST /hub/api/users/NAME/tokens); return their Student."""
        body = {"auth": {"username": name, "password": self.password if password is None else password}}
        status, answer = await _http(f"{self.url}/hub/api/users/{name}/tokens", "POST", body | {"note": "rnnedu"})
        if status != 201:
            raise PermissionError(f"the hub refused {name}'s log-in: HTTP {status}")
        return Student(self, name, answer["token"])

    def close(self):
        """Stop the hub (and with it every student's server); remove the students' users, homes and cgroups."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the hub stops the servers it started
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        uids = {_uid(name) for name in self.students} - {None}
        _kill_processes_of(uids)
        for name in self.students:
            if _uid(name) is not None:
                subprocess.run(["userdel", "--remove", "--force", name], capture_output=True)
            for group in pathlib.Path("/sys/fs/cgroup").glob(f"**/rnnedu-hub/{name}"):
                try:
                    group.rmdir()
                except OSError:
                    pass
        if self.state is not None:
            shutil.rmtree(self.state, ignore_errors=True)


def load_test(students=(3,), notebook="04", timeout=600, mem_limit="2G", cpu_limit=1.0, command=""):
    """Run a class of each size in `students` through a fresh hub; return one LoadResult per size.

    For each size N a LocalHub with N students starts; every student, at the same time, logs in through the
    hub's REST API, starts their server, pulls the course with nbgitpuller from a local clone of this
    repository, and runs the notebook through their server's REST and websocket API. A size that fails (memory
    nearly exhausted, a student past `timeout`, a server that does not start) ends the sweep, with the reason in
    `broke`.

    Args:
        students: sequence of int, the class sizes, e.g. (1, 2, 4, 8).
        notebook: the notebook's number, e.g. "04" or 4.
        timeout: float, seconds each student may take, log-in to last cell.
        mem_limit: str, each student's memory limit ("2G").
        cpu_limit: float, each student's CPU limit in cores.
        command: str, the command line to record in each result.

    Returns:
        list of LoadResult.
    """
    if isinstance(students, (str, bytes)) or not hasattr(students, "__iter__") or not list(students):
        raise TypeError(f"`students` must be a non-empty sequence of class sizes, got {describe(students)}.")
    sizes = [check_int(f"students[{i}]", n, min_value=1, max_value=MAX_STUDENTS) for i, n in enumerate(students)]
    path = _notebook_path(notebook).relative_to(ROOT).as_posix()
    timeout = check_number("timeout", timeout, min_value=1, max_value=24 * 3600)
    results = []
    with tempfile.TemporaryDirectory(prefix="rnnedu-course-") as folder, course_remote(folder) as (repository, branch):
        for size in sizes:
            load_before = round(os.getloadavg()[0], 2)
            with LocalHub(size, mem_limit=mem_limit, cpu_limit=cpu_limit) as hub:
                result = asyncio.run(_class(hub, repository, branch, f"rnnedu/{path}", timeout))
            results.append(LoadResult(**result, notebook=path, load_before=load_before, command=command, **_machine()))
            if results[-1].broke:
                break
    return results


def sizing_table(path):
    """Return the docs' sizing table (Markdown) from a load test's CSV.

    Args:
        path: str or pathlib.Path, a CSV written by `python -m rnnedu.classroom loadtest`.

    Returns:
        str, a Markdown table, one row per class size, and a line on where it broke.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"`path` must be a path to a load test's CSV, got {describe(path)}.")
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    if not rows or set(FIELDS) - set(rows[0]):
        raise ValueError(f"`path` must be a load test's CSV with the columns {', '.join(FIELDS)}; {path} is not.")
    lines = [
        "| students | every cell correct | first output (median / max) | done (median / max) "
        "| peak memory per student | students per GB | peak memory in all | CPU per student | load before |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        n = int(row["students"])
        lines.append(
            f"| {n} | {row['finished']} | {float(row['first_output_median_s']):.0f} s / "
            f"{float(row['first_output_max_s']):.0f} s | {float(row['end_median_s']):.0f} s / "
            f"{float(row['end_max_s']):.0f} s | {float(row['peak_mb_per_student']):.0f} MB "
            f"| {1024 / max(float(row['peak_mb_per_student']), 1.0):.1f} "
            f"| {float(row['peak_mb_total']) / 1024:.1f} GB | {float(row['cpu_s']) / n:.0f} CPU-s "
            f"| {float(row['load_before']):.1f} |"
        )
    last = rows[-1]
    lines.append("")
    lines.append(
        f"Notebook {last['notebook']}, on {last['cores']} cores and {last['memory_gb']} GB, {last['date'][:10]}; "
        + (f"broke at {last['students']} students: {last['broke']}" if last["broke"] else "nothing broke")
        + f". Command: `{last['command']}`."
    )
    return "\n".join(lines)


def main(argv=None):
    """Run a classroom command: `hub`, `link`, `loadtest` or `table` (see the module's docstring).

    Args:
        argv: list of command-line arguments, e.g. ["link", "--hub", "https://hub.example.org"]; None reads
            sys.argv.

    Returns:
        the link (str), the load test's results (list of LoadResult) or the table (str); `hub` does not return.
    """
    check_argv(argv, "['link', '--hub', 'https://hub.example.org']")
    parser = argparse.ArgumentParser(prog="python -m rnnedu.classroom", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    hub = commands.add_parser("hub", help="start the class's JupyterHub (as root)")
    hub.add_argument("--ip", default="127.0.0.1", help="the address students reach (default localhost only)")
    hub.add_argument("--port", type=int, default=8000, help="the port students reach")
    hub.add_argument("--admin", action="append", default=[], help="a teacher's user name (repeat for several)")
    hub.add_argument("--mem-limit", default="2G", help="memory per student (docs/classroom.md sizes it)")
    hub.add_argument("--cpu-limit", type=float, default=1.0, help="CPU cores per student")
    hub.add_argument("--cull-timeout", type=int, default=3600, help="stop a server idle for this many seconds")
    hub.add_argument("--state", default=str(ROOT / "build" / "hub"), help="the hub's database and secrets")
    hub.add_argument("options", nargs=argparse.REMAINDER, help="JupyterHub's own options, after --")
    link = commands.add_parser("link", help="print the nbgitpuller link for a notebook")
    link.add_argument("--hub", required=True, help="the hub's address, e.g. https://hub.example.org")
    link.add_argument("--notebook", help="the notebook's number, e.g. 04 (default 00)")
    link.add_argument("--repository", help="the course's git URL (default: pyproject.toml's Repository)")
    link.add_argument("--branch", default="main")
    load = commands.add_parser("loadtest", help="measure how many students this machine holds (as root)")
    load.add_argument("--students", type=int, nargs="+", default=[3], help="class sizes to try, e.g. 1 2 4 8")
    load.add_argument("--notebook", default="04", help="the notebook every student runs (default 04)")
    load.add_argument("--timeout", type=float, default=600, help="seconds a student may take")
    load.add_argument("--mem-limit", default="2G", help="memory per student")
    load.add_argument("--cpu-limit", type=float, default=1.0, help="CPU cores per student")
    load.add_argument("--csv", default="build/classroom/loadtest.csv", help="where to write the results")
    table = commands.add_parser("table", help="print the docs' sizing table from a load test's CSV")
    table.add_argument("csv")
    args = parser.parse_args(argv)
    if args.command == "link":
        try:
            text = nbgitpuller_link(args.hub, args.notebook, args.repository, args.branch)
        except (TypeError, ValueError) as error:
            parser.exit(2, f"python -m rnnedu.classroom link: {error}\n")
        print(text)
        return text
    if args.command == "table":
        text = sizing_table(args.csv)
        print(text)
        return text
    recorded = " ".join(["python -m rnnedu.classroom", *(sys.argv[1:] if argv is None else argv)])
    try:
        if args.command == "hub":
            _serve(args)
        results = load_test(args.students, args.notebook, args.timeout, args.mem_limit, args.cpu_limit, recorded)
    except (PermissionError, FileNotFoundError) as error:  # what the machine lacks, and the fix
        parser.exit(1, f"python -m rnnedu.classroom {args.command}: {error}\n")
    path = pathlib.Path(args.csv)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, FIELDS)
        writer.writeheader()
        writer.writerows(dataclasses.asdict(result) for result in results)
    print(sizing_table(path))
    print(f"wrote {path}")
    return results


def _serve(args):
    """Replace this process with the class's JupyterHub, configured from `args`."""
    python = _check_can_host()
    for name in args.admin:
        if not re.fullmatch(r"[a-z][a-z0-9_-]{1,30}", name):
            sys.exit(f"--admin must be a user name of 2-31 lowercase letters, digits, - or _; got {name!r}.")
    env = dict(os.environ, RNNEDU_HUB_IP=args.ip, RNNEDU_HUB_PORT=str(args.port), RNNEDU_HUB_STATE=args.state)
    env |= {"RNNEDU_HUB_ADMINS": ",".join(args.admin), "RNNEDU_HUB_MEM_LIMIT": args.mem_limit}
    env |= {"RNNEDU_HUB_CPU_LIMIT": str(args.cpu_limit), "RNNEDU_HUB_CULL_TIMEOUT": str(args.cull_timeout)}
    env["RNNEDU_HUB_PYTHON"] = python
    env.pop("RNNEDU_HUB_AUTH", None)  # `hub` always authenticates students for real
    options = args.options[1:] if args.options[:1] == ["--"] else args.options
    print(f"JupyterHub for the class on http://{args.ip}:{args.port} (admins: {', '.join(args.admin) or 'none'})")
    command = [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG), *options]
    os.execve(sys.executable, command, env)


async def _class(hub, repository, branch, notebook, timeout):
    """Every student of `hub` at once: log in, start, pull, run `notebook`; measure; return LoadResult's fields."""
    monitor = _Monitor(hub.students)
    monitor.start()
    watch = asyncio.create_task(monitor.out_of_memory())

    async def one(name):
        began = time.monotonic()
        student = await hub.login(name)
        await student.start_server()
        await student.pull(repository, branch)
        ran = time.monotonic()
        return ran - began, await student.run_notebook(notebook, timeout)

    tasks = [asyncio.create_task(asyncio.wait_for(one(name), timeout)) for name in hub.students]
    broke, pending = "", {*tasks, watch}
    while pending - {watch}:  # until every student is done, one fails, or memory runs out
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        if watch in done:
            broke = watch.result()
            break
        if any(not task.cancelled() and task.exception() is not None for task in done):
            break
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    monitor.stopped.set()
    monitor.join()
    runs, errors = [], []
    for name, task in zip(hub.students, tasks):
        if task.cancelled():
            continue
        if task.exception() is not None:
            error = task.exception()
            kind = "timeout" if isinstance(error, TimeoutError) else type(error).__name__
            errors.append(f"{name}: {kind}: {error or f'not done after {timeout:.0f} s'}")
        else:
            waited, run = task.result()
            runs.append((waited, run))
            if run.failures:
                errors.append(f"{name}: {run.failures[0]}")
    if not broke and errors:
        broke = f"{len(errors)} of {hub.count} students failed; first: {errors[0]}"
    # Seconds from each student's log-in: what a student waits for, set-up included.
    firsts = [waited + run.first_output_s for waited, run in runs if run.first_output_s is not None]
    ends = [waited + run.seconds for waited, run in runs]
    return {
        "students": hub.count,
        "finished": sum(run.correct for _, run in runs),
        "first_output_median_s": round(statistics.median(firsts), 1) if firsts else float("nan"),
        "first_output_max_s": round(max(firsts), 1) if firsts else float("nan"),
        "end_median_s": round(statistics.median(ends), 1) if ends else float("nan"),
        "end_max_s": round(max(ends), 1) if ends else float("nan"),
        "peak_mb_per_student": round(max(monitor.peak.values(), default=0.0), 1),
        "peak_mb_total": round(monitor.peak_total, 1),
        "cpu_s": round(sum(monitor.cpu.values()), 1),
        "broke": broke.replace("\n", " ")[:400],
    }


class _Monitor(threading.Thread):
    """Samples, in a thread of its own, the memory (PSS) and CPU time of each student's processes.

    Reading a large process's memory map takes long enough to stall the students' websockets if done on the
    event loop, hence the thread. `message` says when free memory fell under `reserve` of the machine's.
    """

    def __init__(self, students, interval=1.0, reserve=0.05):
        super().__init__(daemon=True)
        self.students, self.interval, self.reserve = students, interval, reserve
        self.peak = dict.fromkeys(students, 0.0)
        self.peak_total = 0.0
        self.cpu = {}  # pid -> CPU seconds, last seen
        self.message = ""
        self.stopped = threading.Event()

    def run(self):
        ticks = os.sysconf("SC_CLK_TCK")
        while not self.stopped.is_set():
            by_uid = {uid: name for name in self.students if (uid := _uid(name)) is not None}
            usage = dict.fromkeys(self.students, 0.0)
            for pid, uid in _processes():
                if uid in by_uid:
                    megabytes, cpu = _pss_and_cpu(pid, ticks)
                    usage[by_uid[uid]] += megabytes
                    self.cpu[pid] = max(self.cpu.get(pid, 0.0), cpu)
            for name, megabytes in usage.items():
                self.peak[name] = max(self.peak[name], megabytes)
            self.peak_total = max(self.peak_total, sum(usage.values()))
            total, available = _meminfo()
            if available < self.reserve * total and not self.message:
                self.message = (
                    f"memory: {available / 1024:.1f} GB of {total / 1024:.1f} GB left free while "
                    f"{len(self.students)} students used {sum(usage.values()) / 1024:.1f} GB"
                )
            self.stopped.wait(self.interval)

    async def out_of_memory(self):
        """Return the memory message once there is one."""
        while not self.message:
            await asyncio.sleep(0.5)
        return self.message


def _processes():
    """(pid, uid) of every process."""
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                yield int(entry.name), entry.stat().st_uid
            except OSError:
                pass


def _pss_and_cpu(pid, ticks):
    """A process's proportional set size (MB) and CPU seconds so far; zeros if it is gone."""
    try:
        rollup = pathlib.Path(f"/proc/{pid}/smaps_rollup").read_text()
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0, 0.0
    pss = re.search(r"^Pss:\s+(\d+) kB", rollup, re.M)
    return (int(pss.group(1)) / 1024 if pss else 0.0), (int(stat[11]) + int(stat[12])) / ticks


def _meminfo():
    """(MemTotal, MemAvailable) in MB."""
    info = dict(line.split(":", 1) for line in pathlib.Path("/proc/meminfo").read_text().splitlines())
    return int(info["MemTotal"].split()[0]) / 1024, int(info["MemAvailable"].split()[0]) / 1024


def _machine():
    total, _ = _meminfo()
    return {
        "cores": len(os.sched_getaffinity(0)),
        "memory_gb": round(total / 1024, 1),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _cell_problem(cell, reply, outputs):
    """Why a cell's run is wrong (an error, or a checked output unlike the committed one), or ""."""
    errors = [output for output in outputs if output["output_type"] == "error"]
    if reply.get("status") != "ok" or errors:
        error = errors[0] if errors else reply
        return f"{error.get('ename', 'error')}: {str(error.get('evalue', ''))[:200]}"
    if CHECKED in cell.get("metadata", {}).get("tags", []) and _texts(outputs) != _texts(cell.get("outputs", [])):
        return f"checked output differs: got {_texts(outputs)!r:.200}, expected {_texts(cell['outputs'])!r:.200}"
    return ""


def _texts(outputs):
    """The outputs nbval compares (stdout and text/plain; stderr left out), sanitized as nbval does."""
    texts = []
    for output in outputs:
        if output["output_type"] == "stream" and output.get("name") == "stdout":
            text = output["text"] if isinstance(output["text"], str) else "".join(output["text"])
            if texts and texts[-1][0] == "stdout":  # a stream may arrive in any number of pieces
                texts[-1] = ("stdout", texts[-1][1] + text)
                continue
            texts.append(("stdout", text))
        elif output["output_type"] in ("execute_result", "display_data") and "text/plain" in output["data"]:
            plain = output["data"]["text/plain"]
            texts.append(("text/plain", plain if isinstance(plain, str) else "".join(plain)))
    return [(kind, _sanitize(text)) for kind, text in texts]


def _sanitize(text):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(SANITIZE)
    for section in parser.sections():
        text = re.sub(parser[section]["regex"], parser[section]["replace"], text)
    return text.strip()


async def _http(url, method="GET", body=None, token=None, timeout=60):
    """(status, decoded JSON, text, or None) of one HTTP request; status 599 when nothing answered."""
    from tornado.httpclient import AsyncHTTPClient, HTTPClientError

    AsyncHTTPClient.configure(None, max_clients=4 * MAX_STUDENTS)
    headers = {"Authorization": f"token {token}"} if token else {}
    payload = None if body is None else json.dumps(body)
    try:
        response = await AsyncHTTPClient().fetch(
            url, method=method, body=payload, headers=headers, request_timeout=timeout, follow_redirects=False
        )
    except HTTPClientError as error:
        response = error.response
        if response is None:
            return error.code, None
    except OSError:
        return 599, None
    text = response.body.decode(errors="replace") if response.body else ""
    try:
        return response.code, json.loads(text) if text else None
    except json.JSONDecodeError:
        return response.code, text


def _check_url(name, url):
    url = check_str(name, url)
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment or " " in url:
        raise ValueError(f"`{name}` must be an http(s) address such as https://hub.example.org, got {describe(url)}.")
    return url.rstrip("/")


def _notebook_path(notebook):
    """notebooks/NN_*.ipynb for a notebook's number (int, or a string of digits)."""
    if isinstance(notebook, bool) or not isinstance(notebook, (int, str)):
        raise TypeError(f"`notebook` must be a notebook's number such as 4 or '04', got {describe(notebook)}.")
    found = {int(path.name[:2]): path for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))}
    number = int(notebook) if isinstance(notebook, int) or notebook.isdigit() else None
    if number not in found:
        choices = ", ".join(f"{n:02d}" for n in found)
        raise ValueError(f"`notebook` must be one of the course's notebooks ({choices}), got {describe(notebook)}.")
    return found[number]


def _repository():
    for entry in importlib.metadata.metadata("rnnedu").get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip() == "Repository":
            return url.strip()
    raise RuntimeError("rnnedu's metadata has no Repository URL (pyproject.toml [project.urls]); reinstall rnnedu.")


def _check_can_host():
    """Refuse, with the fix, what would stop the hub from serving students here; return the students' Python."""
    if os.geteuid() != 0:
        raise PermissionError("the hub must run as root to start each student's server as that student (sudo).")
    if not os.access(PROXY, os.X_OK):
        raise FileNotFoundError(f"{PROXY} is missing: `make hub` installs it (npm ci in classroom/).")
    for folder in (ROOT, pathlib.Path(sys.prefix)):
        if not _others_can_read(folder):
            raise PermissionError(
                f"students cannot read {folder}, so they cannot run the course's environment: clone the course "
                "where every user can read it (e.g. under /srv), or let others enter each folder above it (chmod o+x)."
            )
    return _student_python()


def _student_python():
    """A Python every student can run, with the course's environment (.venv's packages, kernels, JupyterLab).

    That is .venv's own Python when every user can run it. When its interpreter lives where students cannot go
    (pyenv under /root, say), it is a small venv in build/classroom/python made from the system's Python of the
    same version, which loads .venv's site-packages and shares its share/ and etc/ folders: the same packages.
    """
    if _others_can_read(pathlib.Path(sys.executable).resolve()):
        return sys.executable
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = next((p for p in (pathlib.Path(d) / version for d in ("/usr/bin", "/usr/local/bin")) if p.exists()), None)
    if system is None or not _others_can_read(system.resolve()):
        raise PermissionError(
            f"students cannot run {pathlib.Path(sys.executable).resolve()} (.venv's interpreter) and there is no "
            f"{version} in /usr/bin or /usr/local/bin to run the course's packages with: make .venv from a Python "
            "every user can run (`make setup PYTHON=/usr/bin/python3`)."
        )
    venv = ROOT / "build" / "classroom" / "python"
    site = f"lib/{version}/site-packages"
    if not (venv / "bin" / "python").exists():
        subprocess.run([str(system), "-m", "venv", "--without-pip", str(venv)], check=True)
        for folder in ("share", "etc"):
            (venv / folder).symlink_to(pathlib.Path(sys.prefix) / folder)
        line = f"import site; site.addsitedir({str(pathlib.Path(sys.prefix) / site)!r})\n"
        (venv / site / "rnnedu_course_environment.pth").write_text(line)
    return str(venv / "bin" / "python")


def _others_can_read(path):
    """True when a user who is neither the owner nor in the group can reach and read `path`."""
    path = pathlib.Path(path)
    if not all(folder.stat().st_mode & 0o001 for folder in path.parents):
        return False
    return bool(path.stat().st_mode & (0o005 if path.is_dir() else 0o004))


def course_remote(folder):
    """Serve a bare clone of this repository with `git daemon` on 127.0.0.1: the course's remote for a test class.

    A git server, as the course's real remote is: a student's git refuses to read a repository on disk that
    another user owns (git's safe.directory), and a test should not change git's configuration to allow it.
    The clone is `folder`/rnnedu.git; a teacher's change pushed there reaches the students' next pull.

    Args:
        folder: str or pathlib.Path, an empty folder for the clone.

    Yields:
        (url, branch): the clone's git:// URL and the branch it serves (this repository's current one).
    """
    if not isinstance(folder, (str, os.PathLike)):
        raise TypeError(f"`folder` must be a path to an empty folder, got {describe(folder)}.")
    return _serve_course(pathlib.Path(folder))


@contextlib.contextmanager
def _serve_course(folder):
    clone = folder / "rnnedu.git"
    subprocess.run(["git", "clone", "--bare", "--quiet", str(ROOT), str(clone)], check=True)
    branch = subprocess.run(
        ["git", "-C", str(clone), "symbolic-ref", "--short", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    (port,) = _free_ports(1)
    command = ["git", "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1", f"--port={port}"]
    daemon = subprocess.Popen([*command, f"--base-path={folder}", str(folder)], stderr=subprocess.DEVNULL)
    url = f"git://127.0.0.1:{port}/rnnedu.git"
    try:
        deadline = time.monotonic() + 30
        while subprocess.run(["git", "ls-remote", url], capture_output=True).returncode != 0:
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"git daemon did not serve {clone} on port {port}")
            time.sleep(0.2)
        yield url, branch
    finally:
        daemon.terminate()
        daemon.wait()


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _uid(name):
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        return None


def _kill_processes_of(uids):
    for pid, uid in _processes():
        if uid in uids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


if __name__ == "__main__":
    main()
