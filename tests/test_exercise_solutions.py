"""Every published solution passes its own checker, and every notebook has a question to think about.

The solutions are the code `q.solution()` prints and `make assignments` puts into the teacher's notebooks;
each runs on its own (it imports what it uses), here in an empty namespace. Run on every version lane
(`make test`, `make test-oldest`, `make test-colab`'s environment), this is what keeps a solution honest when
Keras changes.
"""

import importlib

import pytest

from rnnedu.exercises import NOTEBOOK_MODULES, Exercise, Outcome, Reflection, expect


def _items(kind):
    for module_name in NOTEBOOK_MODULES:
        module = importlib.import_module(f"rnnedu.exercises.{module_name}")
        for name in module.__all__:
            if isinstance(getattr(module, name), kind):
                yield pytest.param(getattr(module, name), id=f"{module_name}.{name}")


def run_solution(exercise):
    """Run a solution's code in a fresh namespace and judge the `answer` it assigns."""
    namespace = {}
    exec(compile(exercise.solution_code, f"<solution of {exercise.title}>", "exec"), namespace)  # the course's code
    return exercise.evaluate(namespace["answer"])


@pytest.mark.parametrize("exercise", list(_items(Exercise)))
def test_published_solution_passes_its_own_checker(exercise):
    result = run_solution(exercise)
    assert result.outcome is Outcome.CORRECT, result.message


def test_a_wrong_published_solution_would_be_caught():
    wrong = Exercise(title="Q", question="?", checker=expect(lambda: 24), hints=["h"], solution="answer = 4 * 3 + 3")
    assert run_solution(wrong).outcome is Outcome.INCORRECT


@pytest.mark.parametrize("module_name", NOTEBOOK_MODULES)
def test_every_notebook_has_checked_exercises_and_a_reflection(module_name):
    module = importlib.import_module(f"rnnedu.exercises.{module_name}")
    items = [getattr(module, name) for name in module.__all__]
    exercises = [item for item in items if isinstance(item, Exercise)]
    assert len(exercises) >= 3 and any(isinstance(item, Reflection) for item in items)
    assert all(len(exercise.hints) >= 2 for exercise in exercises), "each exercise has graded hints"
