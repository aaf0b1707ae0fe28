"""The classroom: nbgitpuller links, and a real JupyterHub with real Unix users (rnnedu/classroom.py).

The hub tests start classroom/jupyterhub_config.py's hub as root, with students who are real Unix users, log
them in through the hub's REST API, and run code in their kernels through their servers' websocket API. They
need root and the proxy (`make hub` or `make test` installs it); without them they are skipped, unless
RNNEDU_HUB_TESTS=required (as in .ci/run), where they fail. They are `slow`: `make test-fast` leaves them out.
"""

import asyncio
import csv
import http.cookiejar
import ipaddress
import json
import os
import pathlib
import re
import secrets
import signal
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request

import nbformat
import pytest
from packaging.specifiers import SpecifierSet
from test_lab import listening_addresses
from test_public_api import package_imports

from rnnedu import classroom

# The notebook the CI load test runs. Notebook 04 costs about 50 CPU-seconds per student (docs/classroom_loadtest.csv),
# so 3 students take 75 s or more of CI's 2 cores; 00 runs the same path (log-in, server, nbgitpuller, a kernel that
# imports TensorFlow and Keras, checked outputs) for about 23 CPU-seconds per student (70 for 3, measured here).
CI_NOTEBOOK = "00"


def test_link_opens_the_notebook_in_jupyterlab_with_every_value_encoded():
    link = classroom.nbgitpuller_link("https://hub.example.org:8443/jupyter/", notebook="04", branch="spring/2027")
    base, query = link.split("?")
    assert base == "https://hub.example.org:8443/jupyter/hub/user-redirect/git-pull"
    assert "/" not in query and ":" not in query  # every value is encoded, not only its spaces
    assert urllib.parse.parse_qs(query, strict_parsing=True) == {
        "repo": ["https://github.com/rnnedu/rnnedu"],
        "branch": ["spring/2027"],
        "urlpath": ["lab/tree/rnnedu/notebooks/04_rnn_cells.ipynb"],
    }


def test_link_without_a_notebook_opens_the_start_page():
    query = urllib.parse.parse_qs(classroom.nbgitpuller_link("http://127.0.0.1:8000").split("?")[1])
    assert query["urlpath"] == ["lab/tree/rnnedu/notebooks/00_start_here.ipynb"]


@pytest.mark.parametrize(
    ("hub", "notebook", "branch", "error", "words"),
    [
        ("hub.example.org", None, "main", ValueError, "`hub` must be an http(s) address"),
        ("ftp://hub.example.org", None, "main", ValueError, "`hub` must be an http(s) address"),
        ("https://hub.example.org/?next=x", None, "main", ValueError, "`hub`"),
        ("https://hub.example.org", "99", "main", ValueError, "`notebook` must be one of the course's notebooks"),
        ("https://hub.example.org", 4.0, "main", TypeError, "`notebook` must be a notebook's number"),
        ("https://hub.example.org", True, "main", TypeError, "`notebook`"),
        ("https://hub.example.org", None, "main; rm -rf ~", ValueError, "`branch` must be a git branch name"),
        ("https://hub.example.org", None, "../x", ValueError, "`branch`"),
    ],
)
def test_link_refuses_bad_arguments_naming_them(hub, notebook, branch, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        classroom.nbgitpuller_link(hub, notebook, branch=branch)


def test_link_command_prints_the_link_and_exits_2_with_the_reason_on_bad_input(capsys):
    assert classroom.main(["link", "--hub", "https://h.org", "--notebook", "4"]) == capsys.readouterr().out.strip()
    with pytest.raises(SystemExit) as exit:
        classroom.main(["link", "--hub", "h.org"])
    assert exit.value.code == 2 and "`hub` must be an http(s) address" in capsys.readouterr().err


def test_a_cell_is_wrong_when_it_raises_or_its_checked_output_differs_from_the_committed_one():
    cell = {"metadata": {"tags": ["nbval-check-output"]}, "outputs": [{"output_type": "stream", "name": "stdout"}]}
    cell["outputs"][0]["text"] = "units: 4\ntook 12 ms\n"
    ok = {"status": "ok"}
    pieces = [{"output_type": "stream", "name": "stdout", "text": t} for t in ("units: 4\n", "took 3 ms\n")]
    assert classroom._cell_problem(cell, ok, pieces) == ""  # pieces joined, durations sanitized as nbval does
    changed = [{"output_type": "stream", "name": "stdout", "text": "units: 5\ntook 3 ms\n"}]
    assert "checked output differs" in classroom._cell_problem(cell, ok, changed)
    error = {"output_type": "error", "ename": "NameError", "evalue": "name 'x' is not defined", "traceback": []}
    assert classroom._cell_problem(cell, {"status": "error"}, [error]).startswith("NameError")
    untagged = {"metadata": {}, "outputs": []}
    assert classroom._cell_problem(untagged, ok, changed) == ""  # an unchecked cell's output may change


def test_sizing_table_is_made_from_the_csv_and_refuses_another_file(tmp_path):
    row = {field: "1" for field in classroom.FIELDS} | {"broke": "", "date": "2026-11-22T03:00:00Z"}
    row |= {"students": "4", "peak_mb_per_student": "512", "peak_mb_total": "2048", "cpu_s": "80"}
    row |= {"command": "python -m rnnedu.classroom x"}
    path = tmp_path / "load.csv"
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, classroom.FIELDS)
        writer.writeheader()
        writer.writerow(row)
    table = classroom.sizing_table(path)
    assert "| 4 | 1 | 1 s / 1 s | 1 s / 1 s | 512 MB | 2.0 | 2.0 GB | 20 CPU-s | 1.0 |" in table
    assert "nothing broke" in table and "`python -m rnnedu.classroom x`" in table
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="`path` must be a load test's CSV"):
        classroom.sizing_table(path)


def test_nothing_in_the_package_imports_the_classroom_command():
    importers = [
        str(path.relative_to(classroom.ROOT))
        for path, module, name in package_imports()
        if path.name != "classroom.py" and (module == "rnnedu.classroom" or (module, name) == ("rnnedu", "classroom"))
    ]
    assert importers == []


def test_the_committed_sizing_table_in_the_docs_is_the_one_its_csv_makes():
    docs = (classroom.ROOT / "docs" / "classroom.md").read_text()
    assert classroom.sizing_table(classroom.ROOT / "docs" / "classroom_loadtest.csv") in docs


# The hub tests, with real Unix users.


def _can_host():
    try:
        classroom._check_can_host()
    except (PermissionError, FileNotFoundError) as error:
        if os.environ.get("RNNEDU_HUB_TESTS") == "required":
            pytest.fail(f"RNNEDU_HUB_TESTS=required, but the hub cannot run here: {error}")
        pytest.skip(f"the hub cannot run here: {error}")


@pytest.fixture
def class_hub(tmp_path):
    """`make hub` as a teacher starts it, with NativeAuthenticator; yields (its URL, the admin's name)."""
    _can_host()
    port, api_port, proxy_port = classroom._free_ports(3)
    admin, student = f"teacher-{secrets.token_hex(3)}", f"alice-{secrets.token_hex(3)}"
    env = dict(os.environ, RNNEDU_HUB_API_PORT=str(api_port), RNNEDU_HUB_PROXY_API_PORT=str(proxy_port))
    log = tmp_path / "hub.log"
    command = ["make", "hub", f"HUB_PORT={port}", f"HUB_ADMINS={admin}", f"HUB_STATE={tmp_path / 'state'}"]
    with open(log, "w") as out:
        process = subprocess.Popen(
            command, cwd=classroom.ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while asyncio.run(classroom._http(f"{url}/hub/api/", timeout=5))[0] != 200:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
        yield url, port, admin, student
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        for name in (admin, student):
            subprocess.run(["userdel", "--remove", "--force", name], capture_output=True)


def _form(opener, url, fields):
    """POST a form of the hub's, with the _xsrf token its page set; return (status, final URL, page)."""
    page = opener.open(url, timeout=30).read().decode()
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(fields | {"_xsrf": xsrf}).encode()
    try:
        with opener.open(url, data=data, timeout=60) as response:
            return response.status, response.url, response.read().decode()
    except urllib.error.HTTPError as error:  # a refused log-in is the page again, with 403
        return error.code, error.url, error.read().decode()


@pytest.mark.slow
def test_make_hub_listens_on_localhost_and_admits_a_student_only_once_a_teacher_approved_her(class_hub):
    url, port, admin, name = class_hub
    assert all(ipaddress.ip_address(a).is_loopback for a in listening_addresses(port)), listening_addresses(port)
    assert asyncio.run(classroom._http(f"{url}/hub/api/users"))[0] == 403  # no token, no list
    wrong = {"auth": {"username": admin, "password": "not the password"}}
    assert asyncio.run(classroom._http(f"{url}/hub/api/users/{admin}/tokens", "POST", wrong))[0] == 403
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    password = "a long passphrase 7"
    signup = {"username": name, "signup_password": password, "signup_password_confirmation": password}
    status, _, page = _form(opener, f"{url}/hub/signup", signup)
    assert status == 200 and "Your information has been sent to the admin." in page  # waiting for approval
    status, landed, page = _form(opener, f"{url}/hub/login", {"username": name, "password": password})
    assert landed == f"{url}/hub/login" and "has not been authorized by an administrator" in page, (status, landed)
    assert classroom._uid(name) is None  # no server, no Unix user before a teacher approves her
    # The teacher signs up (an admin is approved at once), logs in and approves her.
    teacher = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    admin_password = secrets.token_urlsafe(12)
    signup = {"username": admin, "signup_password": admin_password, "signup_password_confirmation": admin_password}
    assert "The signup was successful!" in _form(teacher, f"{url}/hub/signup", signup)[2]
    login = {"username": admin, "password": admin_password}
    assert _form(teacher, f"{url}/hub/login?next=%2Fhub%2Fauthorize", login)[:2] == (200, f"{url}/hub/authorize")
    assert teacher.open(f"{url}/hub/authorize/{name}", timeout=30).status == 200
    # Now she is let in, and becomes a Unix user whose home only she can enter.
    status, landed, _ = _form(opener, f"{url}/hub/login?next=%2Fhub%2Fhome", {"username": name, "password": password})
    assert (status, landed) == (200, f"{url}/hub/home")
    assert os.stat(os.path.expanduser(f"~{name}")).st_mode & 0o777 == 0o700


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    folder = tmp_path_factory.mktemp("course")
    folder.chmod(0o755)
    with classroom.course_remote(folder) as (url, branch):
        yield folder / "rnnedu.git", url, branch


@pytest.fixture(scope="module")
def hub():
    _can_host()
    with classroom.LocalHub(2) as hub:
        yield hub


async def _logged_in_with_servers(hub):
    students = await asyncio.gather(*(hub.login(name) for name in hub.students))
    await asyncio.gather(*(student.start_server() for student in students))
    return students


def _printed(outputs):
    assert [o["output_type"] for o in outputs] == ["stream"], outputs
    return json.loads(outputs[0]["text"])


PROBE = """
import json, os, urllib.request, urllib.error
def attempt(action):
    try:
        action()
        return "allowed"
    except OSError as error:
        return type(error).__name__
def status(url, token=None):
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"} if token else {})
    try:
        return urllib.request.urlopen(request, timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code
home, url = %r, %r
print(json.dumps({
    "read": attempt(lambda: open(os.path.join(home, "notes.txt")).read()),
    "write": attempt(lambda: open(os.path.join(home, "planted.txt"), "w").write("x")),
    "list": attempt(lambda: os.listdir(home)),
    "direct_with_own_token": status(url + "api/contents", os.environ["JUPYTERHUB_API_TOKEN"]),
    "direct_without_token": status(url + "api/contents"),
}))
"""


@pytest.mark.slow
def test_a_student_can_neither_read_nor_write_anothers_files_nor_reach_their_server(hub):
    async def scenario():
        alice, bob = await _logged_in_with_servers(hub)
        body = {"type": "file", "format": "text", "content": "bob's answers"}
        status, _ = await bob.request(f"{bob.server_url}/api/contents/notes.txt", "PUT", body)
        assert status in (200, 201)
        where = _printed(await bob.execute("import json, os; print(json.dumps(os.environ['JUPYTERHUB_SERVICE_URL']))"))
        bob_home = os.path.expanduser(f"~{bob.name}")
        # Bob himself passes the probe: it can tell allowed from refused.
        own = _printed(await bob.execute(PROBE % (bob_home, where)))
        other = _printed(await alice.execute(PROBE % (bob_home, where)))
        via_hub = [
            (await alice.request(f"{bob.server_url}/api/contents/notes.txt"))[0],
            (await alice.request(f"{hub.url}/hub/api/users/{bob.name}"))[0],
            (await alice.request(f"{hub.url}/hub/api/users/{bob.name}/server", "DELETE"))[0],
        ]
        bobs_own = (await bob.request(f"{bob.server_url}/api/contents/notes.txt"))[0]
        return own, other, via_hub, bobs_own

    own, other, via_hub, bobs_own = asyncio.run(scenario())
    assert own == {
        "read": "allowed",
        "write": "allowed",
        "list": "allowed",
        "direct_with_own_token": 200,
        "direct_without_token": 403,
    }
    assert other == {
        "read": "PermissionError",
        "write": "PermissionError",
        "list": "PermissionError",
        "direct_with_own_token": 403,
        "direct_without_token": 403,
    }
    assert bobs_own == 200 and all(status in (403, 404) for status in via_hub), via_hub


@pytest.mark.slow
def test_a_students_kernel_runs_in_their_cgroup_with_the_memory_and_cpu_limit(hub):
    memory, cpu = pathlib.Path("/sys/fs/cgroup/memory/rnnedu-hub"), pathlib.Path("/sys/fs/cgroup/cpu/rnnedu-hub")
    if not memory.parent.is_dir():
        pytest.skip("no cgroup v1 memory controller here (the hub then logs that limits are not enforced)")

    async def cgroups():
        student = await hub.login(hub.students[0])
        await student.start_server()
        code = "import json; print(json.dumps(open('/proc/self/cgroup').read()))"
        return student.name, _printed(await student.execute(code))

    name, membership = asyncio.run(cgroups())
    assert f"memory:/rnnedu-hub/{name}" in membership and f"cpu:/rnnedu-hub/{name}" in membership, membership
    assert int((memory / name / "memory.limit_in_bytes").read_text()) == 2 * 2**30  # LocalHub's mem_limit, 2G
    assert int((cpu / name / "cpu.cfs_quota_us").read_text()) == int((cpu / name / "cpu.cfs_period_us").read_text())


@pytest.mark.slow
def test_pulling_again_merges_the_teachers_changes_and_keeps_the_students_edits(hub, course, tmp_path):
    bare, url, branch = course
    path = "rnnedu/notebooks/01_builtin_rnn_layers.ipynb"

    async def pull_edit_and_pull_again():
        student, _ = await _logged_in_with_servers(hub)
        await student.pull(url, branch)
        # The student edits the notebook's first code cell and saves it, as JupyterLab does.
        status, model = await student.request(f"{student.server_url}/api/contents/{path}")
        notebook = model["content"]
        first_code = next(c for c in notebook["cells"] if c["cell_type"] == "code")
        first_code["source"] += "\n# my own note: the batch axis comes first"
        body = {"type": "notebook", "format": "json", "content": notebook}
        assert (await student.request(f"{student.server_url}/api/contents/{path}", "PUT", body))[0] == 200
        # Meanwhile the teacher changes the same notebook's last cell and another notebook, and pushes.
        _teacher_commits(bare, branch, tmp_path / "teacher")
        log = await student.pull(url, branch)
        status, merged = await student.request(f"{student.server_url}/api/contents/{path}")
        _, other = await student.request(f"{student.server_url}/api/contents/rnnedu/notebooks/README.md")
        return log, status, merged["content"], other["content"]

    log, status, merged, other = asyncio.run(pull_edit_and_pull_again())
    assert status == 200, log
    nbformat.validate(nbformat.from_dict(merged))  # still a notebook
    sources = ["".join(cell["source"]) for cell in merged["cells"]]
    assert any(source.endswith("# my own note: the batch axis comes first") for source in sources)
    assert sources[-1].endswith("Added by the teacher after the class started.")
    assert other.endswith("A new line from the teacher.\n")


def _teacher_commits(bare, branch, work):
    """Clone the course's remote, change notebook 01's last cell and notebooks/README.md, commit and push."""
    git = ["git", "-c", "user.name=Teacher", "-c", "user.email=teacher@example.org"]
    subprocess.run([*git, "clone", "--quiet", "--branch", branch, str(bare), str(work)], check=True)
    path = work / "notebooks" / "01_builtin_rnn_layers.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[-1].source += "\n\nAdded by the teacher after the class started."
    nbformat.write(notebook, path)
    readme = work / "notebooks" / "README.md"
    readme.write_text(readme.read_text() + "A new line from the teacher.\n")
    subprocess.run([*git, "-C", str(work), "commit", "--quiet", "-am", "The teacher's update"], check=True)
    subprocess.run([*git, "-C", str(work), "push", "--quiet", "origin", branch], check=True)


@pytest.mark.slow
def test_three_students_run_a_notebook_through_the_hub_at_once_with_every_cell_correct(tmp_path, capsys):
    _can_host()
    path = tmp_path / "load.csv"
    results = classroom.main(["loadtest", "--students", "3", "--notebook", CI_NOTEBOOK, "--csv", str(path)])
    print(capsys.readouterr().out)  # the table, for the CI log
    (result,) = results
    assert result.broke == "" and result.finished == 3, result
    assert 0 < result.first_output_max_s <= result.end_max_s and result.peak_mb_per_student > 50
    with open(path, newline="") as file:
        (row,) = csv.DictReader(file)
    assert int(row["finished"]) == 3 and row["notebook"].startswith(f"notebooks/{CI_NOTEBOOK}_")


# Binder (repo2docker) and Zero to JupyterHub: checked here as far as this machine can check them.


def test_binder_builds_what_make_lab_installs():
    # repo2docker reads a binder/ or .binder/ folder instead of the top level when one exists: there is none, so it
    # installs the top-level requirements.txt (what `make setup` installs), on runtime.txt's Python, then postBuild.
    root = classroom.ROOT
    assert not (root / "binder").exists() and not (root / ".binder").exists()
    # runtime.txt pins the Python the course is tested on (CI's), which pyproject.toml's requires-python admits.
    python = (root / "runtime.txt").read_text().strip()
    assert python == f"python-{sys.version_info.major}.{sys.version_info.minor}"
    requires = tomllib.loads((root / "pyproject.toml").read_text())["project"]["requires-python"]
    assert SpecifierSet(requires).contains(python.removeprefix("python-") + ".0")
    assert "-r requirements.txt" in (root / "Makefile").read_text()
    post_build = root / "postBuild"
    assert os.access(post_build, os.X_OK)
    # Editable, as `make setup` installs it: rnnedu reads data/ and the notebooks from the repository.
    assert "pip install --no-deps -e ." in post_build.read_text()
    # The README's badge launches this repository (pyproject.toml's Repository) on mybinder.org.
    badge = re.search(r"\(https://mybinder\.org/v2/gh/([^/]+/[^/]+)/main\?urlpath=([^)]+)\)", readme := _readme())
    assert badge and f"https://github.com/{badge.group(1)}" == classroom._repository(), readme[:400]
    assert urllib.parse.unquote(badge.group(2)) == "lab/tree/notebooks/00_start_here.ipynb"


def _readme():
    return (classroom.ROOT / "README.md").read_text()


# The keys of the JupyterHub Helm chart's values that the config uses, as the chart's configuration reference
# documents them (z2jh 4.x: https://z2jh.jupyter.org/en/stable/resources/reference.html); hub.config passes any
# JupyterHub traitlet through, so its keys are checked against the classes they configure.
Z2JH_KEYS = {
    "hub.config",
    "singleuser.image.name",
    "singleuser.image.tag",
    "singleuser.image.pullPolicy",
    "singleuser.defaultUrl",
    "singleuser.lifecycleHooks.postStart",
    "singleuser.memory.guarantee",
    "singleuser.memory.limit",
    "singleuser.cpu.guarantee",
    "singleuser.cpu.limit",
    "singleuser.storage.capacity",
    "singleuser.extraEnv",
    "cull.enabled",
    "cull.timeout",
    "cull.every",
    "proxy.https.enabled",
    "proxy.https.hosts",
    "proxy.https.letsencrypt.contactEmail",
    "scheduling.userScheduler.enabled",
    "prePuller.hook.enabled",
}
OPAQUE = ("hub.config", "singleuser.lifecycleHooks.postStart", "singleuser.extraEnv")  # free-form below these


def _leaves(tree, prefix=""):
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and path not in OPAQUE:
            yield from _leaves(value, path + ".")
        else:
            yield path


def test_zero_to_jupyterhub_config_is_yaml_with_the_charts_documented_keys():
    import yaml
    from jupyterhub.app import JupyterHub
    from jupyterhub.auth import Authenticator
    from nativeauthenticator import NativeAuthenticator

    values = yaml.safe_load((classroom.ROOT / "classroom" / "z2jh-config.yaml").read_text())
    assert set(_leaves(values)) <= Z2JH_KEYS, set(_leaves(values)) - Z2JH_KEYS
    classes = {"JupyterHub": JupyterHub, "Authenticator": Authenticator, "NativeAuthenticator": NativeAuthenticator}
    for name, settings in values["hub"]["config"].items():
        assert set(settings) <= set(classes[name].class_trait_names(config=True)), (name, settings)
    assert values["hub"]["config"]["JupyterHub"]["authenticator_class"] == "nativeauthenticator.NativeAuthenticator"
    # The limits are the ones docs/classroom.md derives from the load test, and the hub's defaults agree.
    docs = (classroom.ROOT / "docs" / "classroom.md").read_text()
    memory, cpu = values["singleuser"]["memory"], values["singleuser"]["cpu"]
    assert f"memory guarantee {memory['guarantee']}, limit {memory['limit']}" in docs
    assert f"CPU guarantee {cpu['guarantee']}, limit {cpu['limit']}" in docs
    makefile = (classroom.ROOT / "Makefile").read_text()
    assert f"HUB_MEM_LIMIT ?= {memory['limit']}" in makefile and f"HUB_CPU_LIMIT ?= {cpu['limit']}" in makefile
