"""Fixtures of the browser tests: JupyterLab over a copy of the notebooks, and Debian's Chromium driving it.

The tests are skipped, saying why, where /usr/bin/chromium is missing; with
RNNEDU_BROWSER_TESTS=required (as .ci/run sets) they fail instead, so CI
cannot skip them by accident.
"""

import json
import os
import pathlib
import shutil

import ipywidgets
import labdriver
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    if not labdriver.CHROMIUM.exists():
        message = f"{labdriver.CHROMIUM} not found; the browser tests need Debian's Chromium (apt-get install chromium)"
        if os.environ.get("RNNEDU_BROWSER_TESTS") == "required":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = labdriver.launch_chromium(playwright, tmp_path_factory.mktemp("chromium-profile"))
        yield context
        context.close()


@pytest.fixture(scope="session")
def lab(chromium, tmp_path_factory):
    """JupyterLab serving a temporary copy of notebooks/, so running them leaves the committed ones alone."""
    home = tmp_path_factory.mktemp("lab")
    root = home / "notebooks"
    shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    if int(ipywidgets.__version__.split(".")[0]) < 8:
        # The notebooks keep the widget state ipywidgets 8 saved, which ipywidgets 7 cannot read (JupyterLab 3
        # logs errors when it tries; Colab ignores saved state): open them as Colab does, without it.
        for path in root.glob("*.ipynb"):
            notebook = json.loads(path.read_text())
            notebook["metadata"].pop("widgets", None)
            path.write_text(json.dumps(notebook))
    server = labdriver.Lab(root, home)
    yield server
    server.stop()


@pytest.fixture
def open_notebook(chromium, lab):
    """open_notebook(name) opens the notebook of that name in a new page; its page and kernel close after the test."""
    pages = []

    def open_(name):
        pages.append(labdriver.NotebookPage(chromium, lab, name))
        return pages[-1]

    yield open_
    for page in pages:
        page.page.close()
    lab.shutdown_kernels()
