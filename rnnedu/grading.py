"""Assignments a teacher can grade: an nbgrader course built from the notebooks.

Run from the project's environment (nbgrader is pinned in requirements.txt):

    python -m rnnedu.grading assignments                 # every notebook -> build/nbgrader, released
    python -m rnnedu.grading assignments 01 --exercises-only --course my_course
    python -m rnnedu.grading report 01_builtin_rnn_layers --course my_course

Each notebook becomes a source assignment. Every exercise's answer cell
becomes an autograded answer cell holding the exercise's published solution
(removed from the released version by `nbgrader generate_assignment`), and a
locked test cell after it grades the answer with the same rnnedu checker that
`check` uses, hidden from the learner. Reflections stay ungraded. With
`--exercises-only` an assignment holds the exercises without the lesson, so
that autograding does not re-run the lesson's training cells. `report` lists
each student's score and the test cells a submission edited or deleted.
Nothing in the package imports this command.
"""

import argparse
import dataclasses
import os
import pathlib
import re
import subprocess
import sys

from rnnedu._validate import check_argv, check_bool, check_str, describe

__all__ = ["Submission", "build_course", "grade_report", "main", "source_notebook"]

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
COURSE_ID = "rnnedu"
POINTS = 1  # per checked exercise
STUB = "# your answer: replace the ... above (use as many lines as you need)"
# The lines `make assignments` reads in a notebook: its exercise module, and each answer cell.
EXERCISE_IMPORT = re.compile(r"^from rnnedu\.exercises import (\w+) as ex$", re.MULTILINE)
ANSWER_CELL = re.compile(r"\Aanswer = \.\.\.[^\n]*\nex\.(q\d+)\.check\(answer\)")
CONFIG = f'''"""nbgrader's configuration for the rnnedu course, written by `python -m rnnedu.grading assignments`."""

c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = "{COURSE_ID}"
# What the released answer cells hold in place of the solution.
c.ClearSolutions.code_stub = {{"python": "{STUB}"}}
# A deleted test cell is put back and run, so deleting a test cannot raise a score.
c.OverwriteCells.add_missing_cells = True
# Importing Keras on a busy machine can take tens of seconds: allow each cell 5 minutes.
c.Execute.timeout = 300
'''


def source_notebook(path, exercises_only=False):
    """Make the nbgrader source version of one notebook of the course.

    Args:
        path: str or pathlib.Path, a notebook whose exercise cells follow the course's pattern
            (`answer = ...` then `ex.qN.check(answer)`).
        exercises_only: bool, keep only the title and the exercises (quick to autograde).

    Returns:
        (notebook, points): an nbformat NotebookNode with nbgrader's cell metadata, and its total points.

    Example:
    >>> nb, points = source_notebook(NOTEBOOKS / "01_builtin_rnn_layers.ipynb", exercises_only=True)
    >>> points, sum("BEGIN HIDDEN TESTS" in cell.source for cell in nb.cells)
    (3, 3)
    """
    import importlib

    import nbformat

    path = _check_path("path", path)
    if not path.is_file() or path.suffix != ".ipynb":
        raise ValueError(f"`path` must be an existing .ipynb file, got {describe(str(path))}.")
    check_bool("exercises_only", exercises_only)
    nb = nbformat.read(path, as_version=4)
    found = EXERCISE_IMPORT.search("\n".join(c.source for c in nb.cells if c.cell_type == "code"))
    if found is None:
        raise ValueError(
            f"`path` must be a notebook with exercises (`from rnnedu.exercises import ... as ex`): {path}."
        )
    module_name = found.group(1)
    module = importlib.import_module(f"rnnedu.exercises.{module_name}")
    cells = _exercise_cells(nb.cells) if exercises_only else nb.cells
    graded, points = [], 0
    for cell in cells:
        cell = nbformat.from_dict(
            {**cell, "outputs": [], "execution_count": None} if cell.cell_type == "code" else cell
        )
        match = ANSWER_CELL.match(cell.source) if cell.cell_type == "code" else None
        if match is None:
            graded.append(cell)
            continue
        name = match.group(1)
        graded += [_answer_cell(cell, name, getattr(module, name)), _test_cell(module_name, name)]
        points += POINTS
    if not points:
        raise ValueError(f"`path` has no answer cells (`answer = ...` then `ex.qN.check(answer)`): {path}.")
    nb.cells = graded
    return nb, points


def build_course(course, notebooks=None, exercises_only=False, release=True):
    """Write an nbgrader course (config and source assignments) and release it with nbgrader.

    Args:
        course: str or pathlib.Path, the course directory (made if missing). Its nbgrader_config.py is
            written if missing and kept otherwise; source/NN_topic/ of each notebook chosen is rewritten.
        notebooks: None for every notebook with exercises, or a list of notebook numbers or names
            (e.g. ["01"] or ["01_builtin_rnn_layers"]).
        exercises_only: bool, assignments of the exercises alone (see `source_notebook`).
        release: bool, run `nbgrader generate_assignment` on each, which writes release/ (no solutions,
            no hidden tests) and records the assignment in the course's gradebook.

    Returns:
        dict {assignment name: its points}.
    """
    import nbformat

    course = _check_path("course", course)
    check_bool("exercises_only", exercises_only)
    check_bool("release", release)
    paths = _notebooks(notebooks)
    course.mkdir(parents=True, exist_ok=True)
    config = course / "nbgrader_config.py"
    if not config.exists():  # written once: a teacher's own settings are kept
        config.write_text(CONFIG)
    assignments = {}
    for path in paths:
        nb, points = source_notebook(path, exercises_only=exercises_only)
        folder = course / "source" / path.stem
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / path.name)
        assignments[path.stem] = points
    if release:
        # One nbgrader run for every notebook (its assignment ids are globs), else one per notebook chosen.
        for name in ["[0-9][0-9]_*"] if notebooks is None else assignments:
            _nbgrader(course, "generate_assignment", name, "--force")
    return assignments


@dataclasses.dataclass(frozen=True)
class Submission:
    """One student's graded submission, read from the course's gradebook and submitted files.

    Fields:
        student: str, the student's id.
        score: float, the points the autograder gave.
        max_score: float, the points available.
        tampered: tuple of str, the grade ids of test cells the submission edited or deleted
            (nbgrader ran the teacher's version of each, so they did not change the score).
    """

    student: str
    score: float
    max_score: float
    tampered: tuple


def grade_report(course, assignment):
    """Read the autograded scores of an assignment, and find the test cells students changed.

    Args:
        course: str or pathlib.Path, the course directory.
        assignment: str, the assignment's name, e.g. "01_builtin_rnn_layers".

    Returns:
        list of `Submission`, one per student with a submission, sorted by student id.
    """
    course = _check_path("course", course)
    check_str("assignment", assignment)
    if not (course / "gradebook.db").is_file():
        raise ValueError(f"`course` must be an nbgrader course with a gradebook.db, got {describe(str(course))}.")
    from nbgrader.api import Gradebook

    report = []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for submission in gradebook.assignment_submissions(assignment):
            tampered = []
            for notebook in submission.notebooks:
                released, submitted = (
                    _graded_cells(course / folder / assignment / f"{notebook.name}.ipynb")
                    for folder in ("release", f"submitted/{submission.student_id}")
                )
                tampered += [
                    name
                    for name, cell in released.items()
                    if cell.metadata["nbgrader"].get("locked")
                    and (name not in submitted or submitted[name].source != cell.source)
                ]
            report.append(Submission(submission.student_id, submission.score, submission.max_score, tuple(tampered)))
    return sorted(report, key=lambda s: s.student)


def main(argv=None):
    """Build the course's nbgrader assignments, or report an assignment's grades, from the command line.

    Args:
        argv: list of command-line arguments, e.g. ["assignments", "01", "--exercises-only"]; None reads sys.argv.

    Returns:
        for "assignments", the dict `build_course` returns; for "report", the list `grade_report` returns.
    """
    check_argv(argv, "['assignments', '01', '--exercises-only']")
    parser = argparse.ArgumentParser(prog="python -m rnnedu.grading", description=__doc__.splitlines()[0])
    parser.add_argument("--course", default="build/nbgrader", help="the nbgrader course directory")
    commands = parser.add_subparsers(dest="command", required=True)
    assignments = commands.add_parser("assignments", help="build source/ from the notebooks and release them")
    assignments.add_argument("notebooks", nargs="*", help="notebook numbers or names (default: all)")
    assignments.add_argument("--exercises-only", action="store_true", help="the exercises without the lesson")
    assignments.add_argument("--no-release", action="store_true", help="write source/ only")
    report = commands.add_parser("report", help="scores and edited or deleted test cells, after autograde")
    report.add_argument("assignment")
    args = parser.parse_args(argv)
    if args.command == "assignments":
        built = build_course(args.course, args.notebooks or None, args.exercises_only, release=not args.no_release)
        for name, points in built.items():
            print(f"{name}: {points} points")
        print(f"course in {args.course}: release/ holds what students get; see docs/grading.md for the next steps")
        return built
    rows = grade_report(args.course, args.assignment)
    for row in rows:
        flag = f"  TAMPERED test cells: {', '.join(row.tampered)}" if row.tampered else ""
        print(f"{row.student}: {row.score:g} / {row.max_score:g}{flag}")
    return rows


def _check_path(name, value):
    if not isinstance(value, (str, os.PathLike)) or not str(value):
        raise TypeError(f"`{name}` must be a path (str or pathlib.Path), got {describe(value)}.")
    return pathlib.Path(value)


def _graded_cells(path):
    """{grade_id: cell} for the nbgrader cells of a notebook file."""
    import nbformat

    cells = nbformat.read(path, as_version=4).cells
    return {c.metadata["nbgrader"]["grade_id"]: c for c in cells if "grade_id" in c.metadata.get("nbgrader", {})}


def _exercise_cells(cells):
    """The title cell, one cell of the usual imports, and the cells from the exercises heading on."""
    import nbformat

    start = next(i for i, c in enumerate(cells) if c.cell_type == "markdown" and "## Exercises" in c.source)
    exercises = cells[start:]
    if exercises[-1].cell_type == "markdown" and "**Next:**" in exercises[-1].source:
        exercises = exercises[:-1]
    title = next(c for c in cells if c.cell_type == "markdown" and c.source.startswith("# "))
    imports = nbformat.v4.new_code_cell("import keras\nimport numpy as np\n\nimport rnnedu")
    return [title, imports, *exercises]


def _answer_cell(cell, name, exercise):
    first, rest = cell.source.split("\n", 1)  # `answer = ...  # what to give`, then the check
    cell.source = f"{first}\n### BEGIN SOLUTION\n{exercise.solution_code}\n### END SOLUTION\n{rest}"
    cell.metadata["nbgrader"] = _metadata(f"{name}_answer", solution=True)
    return cell


def _test_cell(module_name, name):
    """A locked test cell: the checker of `name`, hidden; it uses `answer` once, so a failed later cell scores 0."""
    import nbformat

    cell = nbformat.v4.new_code_cell(
        f"# Graded: rnnedu's checker for ex.{name} runs here on your `answer` ({POINTS} point).\n"
        "### BEGIN HIDDEN TESTS\n"
        f"from rnnedu.exercises import {module_name} as checked\n\n"
        f'checked.{name}.assert_correct(globals().pop("answer", ...))\n'
        "### END HIDDEN TESTS"
    )
    cell.metadata["nbgrader"] = _metadata(f"{name}_test", grade=True, locked=True, points=POINTS)
    return cell


def _metadata(grade_id, grade=False, solution=False, locked=False, points=None):
    metadata = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id, "schema_version": 3}
    return {**metadata, "points": points} if grade else metadata


def _notebooks(selection):
    paths = sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb") if "from rnnedu.exercises import" in p.read_text())
    if selection is None:
        return paths
    if isinstance(selection, str) or not all(isinstance(s, str) for s in selection):
        raise TypeError(f"`notebooks` must be None or a list of str such as ['01'], got {describe(selection)}.")
    chosen = [p for p in paths if any(p.stem == s or p.stem.startswith(f"{s}_") for s in selection)]
    missing = [s for s in selection if not any(p.stem == s or p.stem.startswith(f"{s}_") for p in chosen)]
    if missing:
        names = ", ".join(p.stem for p in paths)
        raise ValueError(f"`notebooks` must name notebooks with exercises ({names}); not found: {missing}.")
    return chosen


def _nbgrader(course, *args):
    """Run one nbgrader command in the course directory, with this Python; raise with its log if it fails."""
    # nbgrader runs `alembic` (its database migrations) from PATH: put this environment's scripts first.
    path = os.pathsep.join([str(pathlib.Path(sys.executable).parent), os.environ.get("PATH", "")])
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PATH": path},
    )
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed in {course}:\n{result.stdout}{result.stderr}")
    return result


if __name__ == "__main__":
    main()
