"""The exercises of notebook 13 accept the right answer and explain a wrong one."""

import numpy as np
import pytest

from rnnedu.exercises import attention as ex


def attend(query, keys, values):
    scores = query @ keys.transpose(0, 2, 1)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return weights / weights.sum(axis=-1, keepdims=True) @ values


def attend_over_queries(query, keys, values):
    scores = query @ keys.transpose(0, 2, 1)
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    return weights / weights.sum(axis=1, keepdims=True) @ values


@pytest.mark.parametrize(
    "exercise, right, wrong, reason",
    [
        (ex.q1, 32, 0, "is too low"),
        (ex.q2, (4, 9, 9), (4, 9), "expected 3 items"),
        (ex.q3, attend, attend_over_queries, "over the source steps"),
        (ex.q3, attend, lambda q, k, v: np.broadcast_to(v.mean(axis=1, keepdims=True), (2, 3, 6)), "plain mean"),
        (ex.q3, attend, lambda q, k, v: q, "(2, 3, 6)"),
    ],
)
def test_attention_exercises_accept_the_answer_and_explain_a_mistake(exercise, right, wrong, reason):
    assert exercise.evaluate(right) == (True, f"Correct: {exercise.title}.")
    passed, message = exercise.evaluate(wrong)
    assert not passed and reason in message, message
