"""The Colab setup cell, run as Colab runs it, installs rnnedu and changes no other installed package.

It runs in `make test-colab`, in .venv-colab (Colab's TensorFlow, Keras and ipywidgets): the cell is made by
tools/notebook_header.py, exactly as stamped into the notebooks, then run by IPython (so `!` and `%pip` work)
in a process where `google.colab` is loaded, as in every Colab kernel. Only the repository's address is
replaced, by this clone, and /content by a temporary folder. The tests are offline: pip builds rnnedu from
the wheels that `make test-colab` downloaded into .venv-colab/wheels.
"""

import importlib.util
import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
WHEELS = pathlib.Path(sys.prefix) / "wheels"

pytestmark = pytest.mark.skipif(
    os.environ.get("RNNEDU_COLAB_LANE") != "1", reason="runs in `make test-colab`, in .venv-colab (Colab's versions)"
)

RUN_AS_COLAB = """
import sys, types
sys.modules["google.colab"] = types.ModuleType("google.colab")  # loaded in every Colab kernel
from IPython.core.interactiveshell import InteractiveShell
result = InteractiveShell.instance().run_cell(open(sys.argv[1]).read())
sys.exit(0 if result.success else 1)
"""

CANARY = """[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = "rnnedu-canary"
version = "{version}"

[tool.setuptools]
py-modules = []
"""


def _header():
    spec = importlib.util.spec_from_file_location("notebook_header", ROOT / "tools" / "notebook_header.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pip(*args):
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(WHEELS), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    return subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, env=env, check=True)


def _installed():
    """{name: version} of every installed distribution but the editable ones (rnnedu)."""
    listed = json.loads(_pip("list", "--exclude-editable", "--format=json").stdout)
    return {item["name"].lower(): item["version"] for item in listed}


def _editable():
    listed = json.loads(_pip("list", "--editable", "--format=json", "-v").stdout)
    return {item["name"].lower(): item.get("editable_project_location") for item in listed}


def _run_setup_cell(tmp_path, extra=""):
    header = _header()
    content = tmp_path / "content"
    content.mkdir()
    source = header.setup_source(ROOT.as_uri()).replace(header.CLONE, str(content / "rnnedu")) + extra
    cell = tmp_path / "cell.ipy"
    cell.write_text(source)
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(WHEELS), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    result = subprocess.run(
        [sys.executable, "-c", RUN_AS_COLAB, str(cell)], capture_output=True, text=True, env=env, timeout=900
    )
    return result, content / "rnnedu"


@pytest.fixture
def restore_rnnedu():
    """The cell re-installs rnnedu from its clone: put this checkout back afterwards."""
    yield
    _pip("install", "--quiet", "--no-deps", "-e", str(ROOT))


@pytest.fixture
def canary(tmp_path):
    """A tiny package installed at version 1.0, which a mutated cell upgrades; removed afterwards."""
    folders = {}
    for version in ("1.0", "2.0"):
        folder = tmp_path / f"canary-{version}"
        folder.mkdir()
        (folder / "pyproject.toml").write_text(CANARY.format(version=version))
        folders[version] = folder
    _pip("install", "--quiet", "--no-deps", str(folders["1.0"]))
    yield folders["2.0"]
    _pip("uninstall", "--yes", "rnnedu-canary")


def test_colab_setup_cell_installs_rnnedu_and_changes_no_installed_package(tmp_path, restore_rnnedu):
    before = _installed()
    result, clone = _run_setup_cell(tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (clone / "rnnedu" / "__init__.py").is_file()  # the course was fetched
    assert pathlib.Path(_editable()["rnnedu"]).resolve() == clone.resolve()  # and rnnedu installed from it
    after = _installed()
    assert after == before, {name: (before.get(name), after.get(name)) for name in before.keys() | after.keys()}
    assert before["tensorflow"] == "2.20.0" and before["keras"] == "3.13.2" and before["ipywidgets"] == "7.7.1"
    assert "WARNING: All log messages before absl::InitializeLog()" not in result.stderr  # loaded quietly


def test_the_comparison_fails_when_the_cell_upgrades_a_package(tmp_path, restore_rnnedu, canary):
    before = _installed()
    mutated = f"\n%pip install --quiet --no-deps --upgrade {canary}"  # a cell that upgrades something
    result, _ = _run_setup_cell(tmp_path, extra=mutated)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    after = _installed()
    assert after != before
    assert (before["rnnedu-canary"], after["rnnedu-canary"]) == ("1.0", "2.0")
