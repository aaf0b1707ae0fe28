"""The notebook tests must be able to fail: a changed checked output is caught."""

import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "00_start_here.ipynb"


def checked_cells(notebook):
    return [c for c in notebook["cells"] if "nbval-check-output" in c.get("metadata", {}).get("tags", [])]


@pytest.mark.slow
def test_nbval_fails_when_a_checked_output_is_changed(tmp_path):
    notebook = json.loads(NOTEBOOK.read_text())
    cell = checked_cells(notebook)[0]
    stream = next(o for o in cell["outputs"] if o.get("output_type") == "stream")
    original = "".join(stream["text"])
    assert "True" in original  # the claim the cell makes
    stream["text"] = original.replace("True", "False")
    broken = tmp_path / NOTEBOOK.name
    broken.write_text(json.dumps(notebook))

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(ROOT / "pyproject.toml"),
            "--rootdir",
            str(tmp_path),
            "-p",
            "no:cacheprovider",
            str(broken),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert result.returncode == 1, result.stdout[-3000:]
    assert "1 failed" in result.stdout
    assert "Cell outputs differ" in result.stdout and "mismatch 'stdout'" in result.stdout
    assert "RNN: False" in result.stdout and "RNN: True" in result.stdout  # the committed line and the real one


def test_every_notebook_checks_some_outputs():
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        assert checked_cells(json.loads(path.read_text())), f"{path.name} has no nbval-check-output cell"
