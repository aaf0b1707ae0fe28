"""The exercises of notebook 14 accept the right prediction and explain a wrong one."""

import pytest

from rnnedu import parallel
from rnnedu.exercises import Outcome, Result
from rnnedu.exercises import parallel_rnns as ex

needs_scan = pytest.mark.skipif(not parallel.has_associative_scan(), reason="q3 checks with keras.ops.associative_scan")


@pytest.mark.parametrize(
    "exercise, right, wrong, reason",
    [
        (ex.q1, 704, 672, "is too low"),  # 672: the biases forgotten
        (ex.q2, 10, 1023, "is too high"),  # 1023: the loop's count of additions
        pytest.param(ex.q3, 3.2, 3.0, "is too low", marks=needs_scan),  # 3.0: b_2 alone, a_2 * b_1 forgotten
        (ex.q4, 64, 1920, "is too high"),  # 1920: every step's state kept
    ],
)
def test_parallel_rnn_exercises_accept_the_prediction_and_reject_a_mistake(exercise, right, wrong, reason):
    assert exercise.evaluate(right) == Result(exercise.title, Outcome.CORRECT)
    result = exercise.evaluate(wrong)
    assert result.outcome is Outcome.INCORRECT and reason in result.reason


def test_combining_two_steps_without_the_scan_is_a_fault_of_the_course_not_of_the_answer(monkeypatch):
    # Keras before 3.5 has no associative_scan: q3's checker cannot run there, and must not blame the learner.
    monkeypatch.delattr(parallel.ops, "associative_scan", raising=False)
    assert ex.q3.evaluate(3.2).outcome is Outcome.CHECKER_FAULT
