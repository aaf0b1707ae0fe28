"""The exercises of notebook 13 accept the right answer and explain a wrong one."""

import numpy as np
import pytest

from rnnedu.exercises import Outcome, Result
from rnnedu.exercises import attention as ex


def attend(query, keys, values):
    scores = query @ keys.transpose(0, 2, 1)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return weights / weights.sum(axis=-1, keepdims=True) @ values


def attend_over_queries(query, keys, values):
    scores = query @ keys.transpose(0, 2, 1)
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    return weights / weights.sum(axis=1, keepdims=True) @ values


def attend_scaled(query, keys, values):
    return attend(query / np.sqrt(query.shape[-1]), keys, values)


def attend_raising(query, keys, values):
    return query @ values  # (2, 3, 4) @ (2, 5, 6): the shapes do not match


@pytest.mark.parametrize(
    "exercise, right, wrong, reason",
    [
        (ex.q1, 32, 33, "is too high"),
        (ex.q1, 32, 0, "learns a `scale`"),
        (ex.q1, 32, 2 * 32 * 32 + 32, "W and U"),
        (ex.q2, (4, 9, 9), (4, 9), "expected 3 items"),
        (ex.q3, attend, attend_over_queries, "over the source steps"),
        (ex.q3, attend, attend_scaled, "√d"),
        (ex.q3, attend, lambda q, k, v: np.broadcast_to(v.mean(axis=1, keepdims=True), (2, 3, 6)), "plain mean"),
        (ex.q3, attend, lambda q, k, v: q, "(2, 3, 6)"),
        (ex.q3, attend, lambda q, k, v: np.zeros((2, 3, 6)), "softmax(query · keysᵀ)"),
        (ex.q3, attend, attend_raising, "calling your function on query (2, 3, 4)"),
        (ex.q3, attend, "attend", "expected a function"),
    ],
)
def test_attention_exercises_accept_the_answer_and_explain_a_mistake(exercise, right, wrong, reason):
    assert exercise.evaluate(right) == Result(exercise.title, Outcome.CORRECT)
    result = exercise.evaluate(wrong)
    assert result.outcome is Outcome.INCORRECT and reason in result.reason, result.message
