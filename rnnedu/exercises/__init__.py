"""Exercises that check themselves: `q.check(answer)`, `q.hint()`, `q.solution()`.

Each notebook's exercises live in a module of this package named after the
notebook (e.g. `rnnedu.exercises.start_here` for 00_start_here). Expected
answers are computed from Keras itself when the learner checks, not typed in.

Example:
>>> q = Exercise(
...     "Units", "How many units has keras.layers.LSTM(8)?",
...     checker=expect(lambda: 8), hint="Read the first argument.",
...     solution="keras.layers.LSTM(8).units  # 8")
>>> q.check(8)
Correct: Units.
>>> q.check(9)
Not yet (Units): your answer 9 is too high.
"""

import math
import numbers

from rnnedu._validate import check_str, describe

# The exercises of each notebook are a module of this package, named after the notebook.
NOTEBOOK_MODULES = [
    "attention",
    "bidirectional",
    "builtin_rnn_layers",
    "custom_mask_layers",
    "encoder_decoder",
    "language_models",
    "nested_inputs",
    "outputs_and_states",
    "padding_and_masking",
    "parallel_rnns",
    "performance",
    "rnn_cells",
    "start_here",
    "stateful_and_state_reuse",
]
__all__ = ["UNANSWERED", "Exercise", "expect", "output_shapes", *NOTEBOOK_MODULES]

UNANSWERED = Ellipsis


class Exercise:
    """One question with an answer checker, a hint and a solution.

    Args:
        title: str, a short name shown in every message.
        question: str, the question as the learner reads it.
        checker: callable taking the answer and returning None when it is
            right, or a str saying what is wrong.
        hint: str, a nudge that does not give the answer away.
        solution: str, the answer with the code that finds it.

    Example:
    >>> q = Exercise("Two", "1 + 1?", expect(lambda: 2), "Count.", "2")
    >>> q.evaluate(2)
    (True, 'Correct: Two.')
    """

    def __init__(self, title, question, checker, hint, solution):
        self.title = check_str("title", title)
        self.question = check_str("question", question)
        if not callable(checker):
            raise TypeError(f"`checker` must be callable (answer -> None or a message), got {describe(checker)}.")
        self.checker = checker
        self._hint = check_str("hint", hint)
        self._solution = check_str("solution", solution)

    def evaluate(self, answer):
        """Judge an answer without printing.

        Args:
            answer: the learner's answer; `...` means not answered yet.

        Returns:
            (passed, message): a bool and the sentence `check` prints.
        """
        if answer is UNANSWERED:
            return False, f"Not answered yet ({self.title}): replace `...` with your answer, then run the cell again."
        try:
            problem = self.checker(answer)
        except Exception as error:  # the learner's answer may be of any type
            problem = f"checking your answer raised {type(error).__name__}: {error}"
        if problem is None:
            return True, f"Correct: {self.title}."
        return False, f"Not yet ({self.title}): {problem}"

    def check(self, answer=UNANSWERED):
        """Print whether `answer` is right and, if not, what is wrong."""
        print(self.evaluate(answer)[1])

    def hint(self):
        """Print a hint."""
        print(f"Hint ({self.title}): {self._hint}")

    def solution(self):
        """Print the solution."""
        print(f"Solution ({self.title}):\n{self._solution}")

    def __repr__(self):
        return f"Exercise {self.title!r}: {self.question}"


def expect(expected):
    """Make a checker that compares an answer with a value computed on demand.

    Integers are compared exactly, floats (which Keras computes in float32)
    within 0.1 %, and the message says whether the answer is too high or too low; tuples and lists
    element by element, naming the first position that differs; strings
    ignoring case and surrounding spaces.

    Args:
        expected: a callable with no arguments that returns the right answer
            (so the answer is computed, e.g. from Keras, only when checked).

    Returns:
        A checker for `Exercise`.

    Example:
    >>> expect(lambda: (None, 5, 32))((None, 5, 64))
    'position 2 of your answer, 64, is not right.'
    """
    if not callable(expected):
        raise TypeError(f"`expected` must be a callable that returns the answer, got {describe(expected)}.")
    return lambda answer: _compare(answer, expected())


def output_shapes(layer, input_shape):
    """Call a layer on a symbolic input and list the shapes of everything it returns.

    Args:
        layer: a Keras layer.
        input_shape: the input's shape without the batch axis, e.g. (timesteps, features).

    Returns:
        list of shape tuples, one per returned tensor (the batch axis is None).

    Example:
    >>> import keras
    >>> output_shapes(keras.layers.GRU(4, return_state=True), (3, 2))
    [(None, 4), (None, 4)]
    """
    import keras

    if not isinstance(layer, keras.layers.Layer):
        raise TypeError(f"`layer` must be a Keras layer, got {describe(layer)}.")
    if not isinstance(input_shape, tuple) or not all(
        d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= 1) for d in input_shape
    ):
        raise TypeError(f"`input_shape` must be a tuple of ints >= 1 (or None), got {describe(input_shape)}.")
    outputs = layer(keras.Input(input_shape))
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return [tuple(o.shape) for o in outputs]


def _compare(answer, right):
    if isinstance(right, bool) or not isinstance(right, (numbers.Number, str, tuple, list)):
        return None if answer == right else f"{describe(answer)} is not right."
    if isinstance(right, numbers.Number):
        return _compare_number(answer, right)
    if isinstance(right, str):
        if not isinstance(answer, str):
            return f"expected a string, got {describe(answer)}."
        return None if answer.strip().lower() == right.lower() else f"{answer!r} is not the right answer."
    return _compare_sequence(answer, right)


def _compare_number(answer, right):
    if isinstance(answer, bool) or not isinstance(answer, numbers.Number):
        return f"expected a number, got {describe(answer)}."
    if answer == right or (isinstance(right, float) and math.isclose(answer, right, rel_tol=1e-3, abs_tol=1e-6)):
        return None
    return f"your answer {answer:,} is too {'high' if answer > right else 'low'}."


def _compare_sequence(answer, right):
    if not isinstance(answer, (tuple, list)):
        return f"expected a tuple of {len(right)} items, got {describe(answer)}."
    if len(answer) != len(right):
        return f"expected {len(right)} items, your answer has {len(answer)}."
    for position, (given, wanted) in enumerate(zip(answer, right)):
        if given != wanted:
            return f"position {position} of your answer, {given!r}, is not right."
    return None
