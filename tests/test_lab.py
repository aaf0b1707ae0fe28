"""`make lab` serves JupyterLab on localhost only, with Jupyter's token auth on."""

import ipaddress
import os
import pathlib
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def listening_addresses(port):
    """The local addresses of the sockets listening on `port`, read from /proc/net/tcp and tcp6."""
    addresses = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in pathlib.Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                # The kernel prints each 32-bit word in host (little-endian) order.
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                addresses.append(str(ipaddress.ip_address(words)))
    return addresses


pytestmark = pytest.mark.slow  # starts JupyterLab with `make lab`


@pytest.fixture
def lab(tmp_path):
    port = free_port()
    log = tmp_path / "lab.log"
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), BROWSER="true")
    env.pop("JUPYTER_TOKEN", None)
    with open(log, "w") as out:
        process = subprocess.Popen(
            ["make", "lab", f"LAB_PORT={port}", "LAB_OPTS=--no-browser"],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while not (token := re.search(r"\?token=([0-9a-f]+)", log.read_text())):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.5)
        yield port, token.group(1), log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_make_lab_answers_with_the_token_and_refuses_without(lab):
    port, token, log = lab
    base = f"http://127.0.0.1:{port}"
    assert status(f"{base}/api/status?token={token}") == 200
    assert status(f"{base}/api/status") == 403
    assert status(f"{base}/api/status?token=wrong{token}") == 403
    assert status(f"{base}/lab/tree/00_start_here.ipynb?token={token}") == 200


def test_make_lab_listens_on_localhost_only(lab):
    port, _, _ = lab
    addresses = listening_addresses(port)
    assert addresses, f"nothing listens on port {port}"
    assert all(ipaddress.ip_address(a).is_loopback for a in addresses), addresses
