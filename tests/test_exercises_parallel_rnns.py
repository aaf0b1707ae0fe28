"""The exercises of notebook 14 accept the right prediction and explain a wrong one."""

import pytest

from rnnedu import parallel
from rnnedu.exercises import parallel_rnns as ex

pytestmark = pytest.mark.skipif(not parallel.has_associative_scan(), reason="q3 checks with keras.ops.associative_scan")


@pytest.mark.parametrize(
    "exercise, right, wrong, reason",
    [
        (ex.q1, 704, 672, "is too low"),  # 672: the biases forgotten
        (ex.q2, 10, 1023, "is too high"),  # 1023: the loop's count of additions
        (ex.q3, 3.2, 3.0, "is too low"),  # 3.0: b_2 alone, a_2 * b_1 forgotten
        (ex.q4, 64, 1920, "is too high"),  # 1920: every step's state kept
    ],
)
def test_parallel_rnn_exercises_accept_the_prediction_and_reject_a_mistake(exercise, right, wrong, reason):
    assert exercise.evaluate(right) == (True, f"Correct: {exercise.title}.")
    passed, message = exercise.evaluate(wrong)
    assert not passed and reason in message
