"""The exercises of notebook 11 accept the right prediction and explain a wrong one."""

import pytest

from rnnedu.exercises import Outcome, Result
from rnnedu.exercises import gradients_through_time as ex


@pytest.mark.parametrize(
    "exercise, right, wrong, reason",
    [
        (ex.q1, 0.9**20, 0.9, "is too high"),
        (ex.q2, "late", "early", "is not the right answer"),
        (ex.q3, 1.0, 0.0, "is too low"),
    ],
)
def test_gradient_exercises_accept_the_prediction_and_reject_a_mistake(exercise, right, wrong, reason):
    assert exercise.evaluate(right) == Result(exercise.title, Outcome.CORRECT)
    result = exercise.evaluate(wrong)
    assert result.outcome is Outcome.INCORRECT and reason in result.reason
