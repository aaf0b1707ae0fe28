"""The widgets work in a real browser: JupyterLab in Chromium, each notebook run as a learner runs it.

nbval runs no JavaScript, so it cannot see "Error displaying widget" or a
blank output. Here every notebook whose committed outputs show a widget is
opened in JupyterLab, run with Run All, and each widget must render, with no
JavaScript error, and redraw its picture when any of its controls is moved.
A notebook showing widgets the frontend cannot render must fail the same
check. Screenshots go to build/browser/ (`make screenshots` copies those of
rnnedu's views to docs/screenshots/ for the README).
"""

import io
import json
import pathlib
import re
import sys

import labdriver
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "browser"

WIDGET_NOTEBOOKS = [
    path
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if labdriver.widget_cells(json.loads(path.read_text()))
]


def view_name(cell):
    """The rnnedu view a cell shows, e.g. "gate_explorer" for `rnnedu.gate_explorer(...)`, or None."""
    calls = re.findall(r"\brnnedu\.(?:viz\.)?(\w+)\(", "".join(cell["source"]))
    return calls[-1] if calls else None


def save_small_png(png, path):
    """Save a screenshot with at most 128 colours: a few tens of KB, small enough to commit."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=128, dither=Image.Dither.NONE).save(path, optimize=True)


def test_the_widget_notebooks_are_found():
    names = [path.name for path in WIDGET_NOTEBOOKS]
    expected = {"04_rnn_cells.ipynb", "06_bidirectional.ipynb", "12_language_models.ipynb", "13_attention.ipynb"}
    assert expected <= set(names)


@pytest.mark.parametrize("path", WIDGET_NOTEBOOKS, ids=lambda path: path.stem)
def test_widgets_render_and_redraw_when_a_learner_moves_their_controls(path, open_notebook):
    notebook = open_notebook(path.name)
    saved = notebook.run_all()
    cells = labdriver.widget_cells(saved)
    committed = labdriver.widget_cells(json.loads(path.read_text()))
    assert cells == committed, f"widgets were shown by cells {cells}, the committed notebook shows them in {committed}"
    for i in cells:
        png = notebook.widget(i).screenshot() if notebook.widget(i).count() else notebook.cell(i).screenshot()
        save_small_png(png, SCREENSHOTS / f"{path.stem}-cell{i}.png")
        if view := view_name(saved["cells"][i]):
            save_small_png(png, SCREENSHOTS / "views" / f"{view}.png")
    assert notebook.widget_problems(saved) == []
    assert all(notebook.controls(i) for i in cells), "a widget without a control to move"
    unmoved = [failure for i in cells for failure in notebook.move_each_control(i)]
    for i in cells:
        save_small_png(notebook.widget(i).screenshot(), SCREENSHOTS / f"{path.stem}-cell{i}-moved.png")
    assert unmoved == [] and notebook.widget_problems(saved) == []


# Widgets the frontend cannot render: one whose JavaScript module does not exist, and a view of a model never made.
BROKEN = [
    """
import ipywidgets as widgets
from traitlets import Unicode


class Unknown(widgets.DOMWidget):
    _model_name = Unicode("NoSuchModel").tag(sync=True)
    _model_module = Unicode("no-such-widgets").tag(sync=True)
    _model_module_version = Unicode("1.0.0").tag(sync=True)
    _view_name = Unicode("NoSuchView").tag(sync=True)
    _view_module = Unicode("no-such-widgets").tag(sync=True)
    _view_module_version = Unicode("1.0.0").tag(sync=True)


Unknown()
""",
    """
from IPython.display import display

display({"application/vnd.jupyter.widget-view+json": {"model_id": "0" * 32, "version_major": 2, "version_minor": 0},
         "text/plain": "a widget that was never made"}, raw=True)
""",
]
WORKING = """
import io
import sys

import ipywidgets as widgets
from PIL import Image

print(sys.prefix)
png = io.BytesIO()
Image.new("RGB", (60, 20), "teal").save(png, "png")
controls = [widgets.IntSlider(description="fine"), widgets.Button(description="idle")]
widgets.VBox([*controls, widgets.Image(value=png.getvalue())])
"""
# Renders, but a row of eight sliders does not fit the notebook's width.
TOO_WIDE = """
sliders = widgets.HBox([widgets.IntSlider(description=f"slider {i}") for i in range(8)])
widgets.VBox([sliders, widgets.Image(value=png.getvalue())])
"""


def test_the_check_reports_widgets_that_fail_to_render_or_do_not_fit(lab, open_notebook):
    # Without kernelspec metadata, as a notebook made elsewhere may come: JupyterLab asks for a kernel.
    cells = [WORKING, *BROKEN, TOO_WIDE]
    notebook = {
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source.strip()}
            for source in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (lab.root / "broken_widgets.ipynb").write_text(json.dumps(notebook))
    page = open_notebook("broken_widgets.ipynb")
    assert page.kernel_dialogs == 1, "JupyterLab did not ask which kernel to use"
    saved = page.run_all()
    assert saved["cells"][0]["outputs"][0]["text"] == [sys.prefix + "\n"], "the kernel is not this environment's"
    problems = page.widget_problems(saved)
    page.cell(0).screenshot(path=SCREENSHOTS / "broken_widgets-working.png")
    for i in range(1, len(cells)):
        page.cell(i).screenshot(path=SCREENSHOTS / f"broken_widgets-cell{i}.png")
    for i in range(1, 1 + len(BROKEN)):
        assert any(p.startswith(f"cell {i}: Error displaying widget") for p in problems), (i, problems)
    assert any(p.startswith(f"cell {len(cells) - 1}: the widget reaches past the notebook's edge") for p in problems)
    assert not any(p.startswith("cell 0") for p in problems), problems
    # The working widget's slider moves and its button clicks, but neither redraws: the redraw check must say so.
    slider, button = page.move_each_control(0, timeout=3)
    assert re.fullmatch(r"cell 0: 'fine' moved from 0 to \d+; the picture did not change", slider), slider
    assert button == "cell 0: 'idle' moved from 0 clicks to 1 click; the picture did not change", button
