"""`python -m rnnedu.grading` builds an nbgrader course from the notebooks, and a simulated class grades right.

The class takes notebook 01's exercises (the cheapest to run: parameter counts) through the steps a teacher
runs: generate_assignment, the submitted files where `nbgrader collect` puts them, autograde and
generate_feedback. Five students: correct, wrong, blank, one whose answer cell raises, and one who edits a
test cell and deletes another.
"""

import importlib

import nbformat
import pytest
from test_public_api import package_imports

from rnnedu import grading
from rnnedu.exercises import Exercise
from rnnedu.exercises import builtin_rnn_layers as ex

NAME = "01_builtin_rnn_layers"
NOTEBOOK = grading.NOTEBOOKS / f"{NAME}.ipynb"


def test_every_answer_cell_becomes_a_solution_and_a_hidden_locked_test():
    original = nbformat.read(NOTEBOOK, as_version=4)
    nb, points = grading.source_notebook(NOTEBOOK)
    assert points == 3 and len(nb.cells) == len(original.cells) + 3  # the lesson is kept, a test per answer added
    marked = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}
    assert sorted(marked) == ["q1_answer", "q1_test", "q2_answer", "q2_test", "q3_answer", "q3_test"]
    for name in ("q1", "q2", "q3"):
        answer, test = marked[f"{name}_answer"], marked[f"{name}_test"]
        assert getattr(ex, name).solution_code in answer.source and answer.metadata["nbgrader"]["solution"]
        assert f"ex.{name}.check(answer)" in answer.source
        assert test.metadata["nbgrader"] == {
            "grade": True,
            "solution": False,
            "locked": True,
            "grade_id": f"{name}_test",
            "schema_version": 3,
            "points": 1,
        }
        assert f"checked.{name}.assert_correct(" in test.source and "### BEGIN HIDDEN TESTS" in test.source


@pytest.mark.parametrize("path", grading._notebooks(None), ids=lambda p: p.stem)
def test_every_exercise_of_every_notebook_becomes_a_graded_answer(path):
    nb, points = grading.source_notebook(path)
    module_name = grading.EXERCISE_IMPORT.search("\n".join(c.source for c in nb.cells if c.cell_type == "code")).group(
        1
    )
    module = importlib.import_module(f"rnnedu.exercises.{module_name}")
    exercises = [name for name in module.__all__ if isinstance(getattr(module, name), Exercise)]
    tests = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert points == len(exercises) and tests == [f"{name}_test" for name in exercises]


def test_exercises_only_keeps_the_title_imports_exercises_and_reflection():
    nb, points = grading.source_notebook(NOTEBOOK, exercises_only=True)
    sources = [c.source for c in nb.cells]
    assert points == 3 and sources[0].startswith("# 01 · ") and sources[1].startswith("import keras")
    assert "ex.r1" in sources and not any("**Next:**" in s for s in sources)


def test_a_notebook_without_exercises_is_refused(tmp_path):
    empty = tmp_path / "empty.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), empty)
    with pytest.raises(ValueError, match="`path` must be a notebook with exercises"):
        grading.source_notebook(empty)


def test_nothing_in_the_package_imports_the_grading_command():
    importers = [
        path.name
        for path, module, name in package_imports()
        if path.name != "grading.py" and (module == "rnnedu.grading" or (module == "rnnedu" and name == "grading"))
    ]
    assert importers == []


def _submit(course, student, answers, edit=None, delete=None):
    """Fill the released notebook's answer cells as `student` would, and put it where `nbgrader collect` does."""
    nb = nbformat.read(course / "release" / NAME / f"{NAME}.ipynb", as_version=4)
    cells = []
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id.endswith("_answer") and grade_id[:2] in answers:
            cell.source = cell.source.replace("answer = ...", answers[grade_id[:2]], 1)
        if grade_id == edit:
            cell.source = "pass  # tests? what tests?"
        if grade_id != delete:
            cells.append(cell)
    nb.cells = cells
    folder = course / "submitted" / student / NAME
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{NAME}.ipynb")


@pytest.mark.slow
def test_a_simulated_class_gets_exactly_the_expected_grades(tmp_path):
    course = tmp_path / "course"
    assert grading.build_course(course, ["01"], exercises_only=True) == {NAME: 3}
    released = (course / "release" / NAME / f"{NAME}.ipynb").read_text()
    assert "BEGIN SOLUTION" not in released and "assert_correct" not in released and "5000 * 32" not in released

    solutions = {name: getattr(ex, name).solution_code for name in ("q1", "q2", "q3")}
    _submit(course, "correct", solutions)
    _submit(course, "wrong", {"q1": "answer = 6304", "q2": "answer = 510", "q3": "answer = 160_032"})
    _submit(course, "blank", {})
    _submit(course, "raises", {**solutions, "q1": "answer = keras.layers.LSTM(32).count_params() + missing_name"})
    _submit(
        course, "tamperer", {**solutions, "q2": "answer = 510", "q3": "answer = 1"}, edit="q2_test", delete="q3_test"
    )
    grading._nbgrader(course, "autograde", NAME)
    grading._nbgrader(course, "generate_feedback", NAME)

    report = {s.student: (s.score, s.max_score, s.tampered) for s in grading.grade_report(course, NAME)}
    assert report == {
        "blank": (0, 3, ()),
        "correct": (3, 3, ()),
        "raises": (2, 3, ()),
        "tamperer": (1, 3, ("q2_test", "q3_test")),  # the teacher's tests ran anyway: q2 and q3 score 0
        "wrong": (0, 3, ()),
    }
    feedback = (course / "feedback" / "wrong" / NAME / f"{NAME}.html").read_text()
    assert "your answer 6,304 is too high" in feedback  # the checker's reason reaches the student
    restored = nbformat.read(course / "autograded" / "tamperer" / NAME / f"{NAME}.ipynb", as_version=4)
    assert sum("assert_correct" in c.source for c in restored.cells) == 3
