"""Test-suite set-up shared by the unit tests and the notebooks (nbval).

* Network access is blocked in this process and in every notebook kernel
  (tests/offline/sitecustomize.py, put on PYTHONPATH before kernels start).
* nbval compares no stderr: TensorFlow and Keras write warnings there that
  change between runs and machines.
* Markers, applied here so that no test has to remember them: `notebook` on
  every notebook (nbval), `browser` on tests/browser; `slow` is set on a test
  by hand. `make test-fast` leaves all three out.
* At the end, the time each notebook took is printed.
"""

import collections
import importlib.util
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent
OFFLINE = ROOT / "tests" / "offline"
BROWSER = ROOT / "tests" / "browser"
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(OFFLINE), os.environ.get("PYTHONPATH")]))
os.environ["RNNEDU_OFFLINE"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")
# Block the network in this process too (the file may not be the sitecustomize Python loaded at start-up).
_spec = importlib.util.spec_from_file_location("rnnedu_tests_offline", OFFLINE / "sitecustomize.py")
_spec.loader.exec_module(importlib.util.module_from_spec(_spec))

_notebook_seconds = collections.defaultdict(float)


def pytest_collectstart(collector):
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)


def pytest_collection_modifyitems(items):
    for item in items:
        path = pathlib.Path(str(item.fspath)).resolve()
        if path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebook)
        elif path.is_relative_to(BROWSER):
            item.add_marker(pytest.mark.browser)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _notebook_seconds[path] += report.duration


def pytest_terminal_summary(terminalreporter):
    if not _notebook_seconds:
        return
    terminalreporter.section("time per notebook")
    for path, seconds in sorted(_notebook_seconds.items()):
        terminalreporter.write_line(f"{seconds:7.1f} s  {path}")
    terminalreporter.write_line(f"{sum(_notebook_seconds.values()):7.1f} s  in all")
