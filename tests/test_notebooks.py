"""Every notebook follows the conventions of notebooks/README.md."""

import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def load(path):
    return json.loads(path.read_text())


def text(cell):
    return "".join(cell["source"])


def test_notebooks_exist_and_are_numbered_in_order():
    numbers = [int(p.name[:2]) for p in NOTEBOOKS]
    assert numbers and numbers[0] == 0 and numbers == sorted(set(numbers))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_kernelspec(path):
    assert load(path)["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_opens_with_title_goals_and_setup(path):
    cells = load(path)["cells"]
    badge, title, setup = cells[0], cells[1], cells[2]
    assert "colab-badge" in badge["metadata"]["tags"] and "colab.research.google.com" in text(badge)
    heading = text(title)
    assert heading.startswith(f"# {path.name[:2]} · ")
    for part in ("**What you will learn**", "**Prerequisites:**", "**Estimated time:**", "**Checked against:**"):
        assert part in heading, f"{path.name}: the title cell lacks {part}"
    assert "colab-setup" in setup["metadata"]["tags"]
    assert any("rnnedu.setup()" in text(c) for c in cells if c["cell_type"] == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_ends_with_summary_exercises_and_next(path):
    cells = load(path)["cells"]
    markdown = [text(c) for c in cells if c["cell_type"] == "markdown"]
    assert any("## Summary" in m for m in markdown)
    assert any("## Exercises" in m for m in markdown)
    assert any(".check(" in text(c) for c in cells if c["cell_type"] == "code")
    assert "**Next:**" in markdown[-1] or path == NOTEBOOKS[-1]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_executed(path):
    code = [c for c in load(path)["cells"] if c["cell_type"] == "code" and text(c).strip()]
    unrun = [text(c)[:40] for c in code if c["execution_count"] is None]
    assert not unrun, f"{path.name}: run `make notebooks`; never executed: {unrun}"
    counts = [c["execution_count"] for c in code if c["execution_count"] is not None]
    assert counts == sorted(counts), f"{path.name}: cells were run out of order"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_training_cells_print_one_line_per_epoch(path):
    for cell in load(path)["cells"]:
        if cell["cell_type"] == "code" and ".fit(" in text(cell):
            assert "verbose=2" in text(cell), f"{path.name}: a training cell without verbose=2"


def test_colab_cells_are_stamped_from_the_one_repository_url():
    result = subprocess.run(
        [sys.executable, "tools/notebook_header.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
