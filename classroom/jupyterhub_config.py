# JupyterHub configuration for a class on one machine: `make hub` (python -m rnnedu.classroom hub) starts it.
#
# Every setting a teacher changes is read from an RNNEDU_HUB_* environment variable, which `make hub` sets from its
# own variables (docs/classroom.md lists them); anything else can be changed here, or on the command line after
# `--`, as JupyterHub's own options (`make hub HUB_OPTS="--JupyterHub.ssl_cert=..."`).
#
# * Students sign up on the hub's page (NativeAuthenticator); a teacher listed in RNNEDU_HUB_ADMINS approves each
#   sign-up at /hub/authorize. Each student becomes a real Unix user (created on first log-in, home directory
#   0700) and runs their own server, as that user, from the course's environment (.venv).
# * The hub listens on 127.0.0.1 unless RNNEDU_HUB_IP says otherwise; put TLS in front of it for a real server
#   (docs/classroom.md).
# * Idle servers are stopped by jupyterhub-idle-culler; each student's server and kernels get a memory and CPU
#   limit through a cgroup where the machine lets root make one, and the server is told its limit either way.
# * RNNEDU_HUB_AUTH=test is for the tests and the load test only: the students listed in RNNEDU_HUB_STUDENTS log in
#   with the one random password RNNEDU_HUB_TEST_PASSWORD; the hub refuses to start in that mode without it.
import os
import pathlib
import pwd
import sys

from jupyterhub.auth import DummyAuthenticator, LocalAuthenticator
from jupyterhub.spawner import LocalProcessSpawner

c = get_config()  # noqa: F821 (JupyterHub defines get_config when it reads this file)

ROOT = pathlib.Path(__file__).resolve().parent.parent
ENV = os.environ
STATE = pathlib.Path(ENV.get("RNNEDU_HUB_STATE", ROOT / "build" / "hub"))
STATE.mkdir(parents=True, exist_ok=True, mode=0o700)
# The course's environment: each student's server and kernels run this Python (rnnedu.classroom chooses it: .venv's
# own, or one every user can run that loads .venv's packages).
PYTHON = pathlib.Path(ENV.get("RNNEDU_HUB_PYTHON", sys.executable))

c.JupyterHub.bind_url = f"http://{ENV.get('RNNEDU_HUB_IP', '127.0.0.1')}:{ENV.get('RNNEDU_HUB_PORT', '8000')}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(ENV.get("RNNEDU_HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{ENV.get('RNNEDU_HUB_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.command = [str(ROOT / "classroom" / "node_modules" / ".bin" / "configurable-http-proxy")]
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")

# Authentication: never an open hub.
ADMINS = {name for name in ENV.get("RNNEDU_HUB_ADMINS", "").split(",") if name}


class ClassroomAuthenticator(LocalAuthenticator):
    """Creates each student's Unix user on first log-in, with a home only they can enter."""

    create_system_users = True
    add_user_cmd = ["useradd", "--create-home", "--key", "HOME_MODE=0700", "--shell", "/bin/bash"]


if ENV.get("RNNEDU_HUB_AUTH", "native") == "test":
    password = ENV.get("RNNEDU_HUB_TEST_PASSWORD", "")
    if len(password) < 16:
        sys.exit("RNNEDU_HUB_AUTH=test needs RNNEDU_HUB_TEST_PASSWORD, a random password of 16 characters or more.")

    class TestAuthenticator(DummyAuthenticator, ClassroomAuthenticator):
        """The tests' students: the names in RNNEDU_HUB_STUDENTS, one random password."""

    c.JupyterHub.authenticator_class = TestAuthenticator
    c.DummyAuthenticator.password = password
    c.Authenticator.allowed_users = {name for name in ENV.get("RNNEDU_HUB_STUDENTS", "").split(",") if name}
else:
    from nativeauthenticator import NativeAuthenticator

    class NativeClassroomAuthenticator(NativeAuthenticator, ClassroomAuthenticator):
        """Sign-up on the hub's page, approved by an admin; passwords of 8 characters or more."""

    c.JupyterHub.authenticator_class = NativeClassroomAuthenticator
    c.NativeAuthenticator.minimum_password_length = 8
    c.NativeAuthenticator.check_common_password = True
    c.NativeAuthenticator.allowed_failed_logins = 5
    c.NativeAuthenticator.seconds_before_next_try = 600
    c.Authenticator.allow_all = True  # anyone who signed up and was approved by an admin
c.Authenticator.admin_users = ADMINS


class ClassroomSpawner(LocalProcessSpawner):
    """LocalProcessSpawner that puts a student's server and kernels in a memory and CPU cgroup where it can."""

    def make_preexec_fn(self, name):
        become_student = super().make_preexec_fn(name)
        procs = _student_cgroups(name, self.mem_limit, self.cpu_limit, self.log)

        def preexec():
            for path in procs:  # before dropping root: the student cannot leave their cgroup
                with open(path, "w") as file:
                    file.write(str(os.getpid()))
            become_student()

        return preexec


def _student_cgroups(name, mem_limit, cpu_limit, log):
    """Make (or reuse) the student's memory and CPU cgroups; return the cgroup.procs files to join."""
    root = pathlib.Path("/sys/fs/cgroup")
    try:
        if (root / "cgroup.controllers").exists():  # cgroup v2
            group = root / "rnnedu-hub" / name
            group.mkdir(parents=True, exist_ok=True)
            for parent in (root, root / "rnnedu-hub"):
                (parent / "cgroup.subtree_control").write_text("+memory +cpu")
            (group / "memory.max").write_text(str(mem_limit or "max"))
            (group / "cpu.max").write_text(f"{int(cpu_limit * 100_000)} 100000" if cpu_limit else "max 100000")
            return [group / "cgroup.procs"]
        memory, cpu = root / "memory" / "rnnedu-hub" / name, root / "cpu" / "rnnedu-hub" / name  # cgroup v1
        memory.mkdir(parents=True, exist_ok=True)
        cpu.mkdir(parents=True, exist_ok=True)
        (memory / "memory.limit_in_bytes").write_text(str(mem_limit or -1))
        (cpu / "cpu.cfs_period_us").write_text("100000")
        (cpu / "cpu.cfs_quota_us").write_text(str(int(cpu_limit * 100_000) if cpu_limit else -1))
        return [memory / "cgroup.procs", cpu / "cgroup.procs"]
    except OSError as error:
        log.warning("No cgroup for %s, so its memory and CPU limits are not enforced: %s", name, error)
        return []


c.JupyterHub.spawner_class = ClassroomSpawner
c.Spawner.cmd = [str(PYTHON), "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.mem_limit = ENV.get("RNNEDU_HUB_MEM_LIMIT", "2G")
c.Spawner.cpu_limit = float(ENV.get("RNNEDU_HUB_CPU_LIMIT", "1"))
c.Spawner.http_timeout = 120  # a server on a busy machine starts slowly
c.Spawner.start_timeout = 120
# RNNEDU_OFFLINE: the data shipped in data/, so that every student sees the outputs the course checks and a class
# does not download MNIST once per student.
c.Spawner.environment = {
    "PATH": f"{PYTHON.parent}:/usr/local/bin:/usr/bin:/bin",  # `python` and `pip` in a terminal: the course's
    "RNNEDU_OFFLINE": "1",
    "TF_CPP_MIN_LOG_LEVEL": "3",
}
# A kernel left idle for an hour is shut down by its own server (and with it its memory).
c.Spawner.args = ["--MappingKernelManager.cull_idle_timeout=3600", "--MappingKernelManager.cull_interval=300"]
c.JupyterHub.concurrent_spawn_limit = int(ENV.get("RNNEDU_HUB_SPAWN_LIMIT", "20"))

# The idle culler stops a server nobody has used for RNNEDU_HUB_CULL_TIMEOUT seconds (default an hour).
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={int(ENV.get('RNNEDU_HUB_CULL_TIMEOUT', '3600'))}",
        ],
    }
]
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
]

# The hub runs as root to start each student's server as that student: refuse a student named like a system user.
c.Authenticator.username_pattern = r"^[a-z][a-z0-9_-]{1,30}$"
c.Authenticator.blocked_users = {entry.pw_name for entry in pwd.getpwall() if entry.pw_uid < 1000}
