"""Exercises that check themselves, and questions to think about.

`q.check(answer)` says whether an answer is right and, if not, why;
`q.hint()` gives a first nudge and `q.hint(2)` a stronger one; `q.solution()`
shows code that finds the answer. A `Reflection` (predict, explain why) is
shown but not checked: `r.solution()` shows a model discussion.

Each notebook's exercises live in a module of this package named after the
notebook (e.g. `rnnedu.exercises.start_here` for 00_start_here). Expected
answers are computed from Keras itself when the learner checks, not typed in.

Example:
>>> q = Exercise(
...     title="Units",
...     question="How many units has keras.layers.LSTM(8)?",
...     checker=expect(lambda: 8),
...     hints=["Read the first argument.", "LSTM(units, ...): the first argument is `units`."],
...     solution="answer = 8  # keras.layers.LSTM(8).units",
... )
>>> q.check(8)
Correct: Units.
>>> q.check(9)
Not yet (Units): your answer 9 is too high.
>>> q.evaluate(...).outcome
<Outcome.NOT_ATTEMPTED: 'not attempted'>
"""

import ast
import dataclasses
import enum
import math
import numbers

from rnnedu._validate import check_int, check_str, describe

# The exercises of each notebook are a module of this package, named after the notebook.
NOTEBOOK_MODULES = [
    "attention",
    "bidirectional",
    "builtin_rnn_layers",
    "custom_mask_layers",
    "encoder_decoder",
    "gradients_through_time",
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
__all__ = [
    "UNANSWERED",
    "CheckerFault",
    "Exercise",
    "Outcome",
    "Reflection",
    "Result",
    "call_answer",
    "expect",
    "output_shapes",
    *NOTEBOOK_MODULES,
]

UNANSWERED = Ellipsis


class Outcome(enum.Enum):
    """What checking an answer found: the four outcomes are kept apart."""

    CORRECT = "correct"
    INCORRECT = "incorrect"
    NOT_ATTEMPTED = "not attempted"
    CHECKER_FAULT = "checker fault"  # the course's checker failed: never the learner's mistake


@dataclasses.dataclass(frozen=True)
class Result:
    """The verdict on one answer.

    Fields:
        title: str, the exercise's title.
        outcome: `Outcome`, correct, incorrect, not attempted or a checker fault.
        reason: str or None, why the answer is incorrect, or what failed in the checker.

    Example:
    >>> Result("Two", Outcome.INCORRECT, "your answer 3 is too high.").message
    'Not yet (Two): your answer 3 is too high.'
    """

    title: str
    outcome: Outcome
    reason: str | None = None

    @property
    def passed(self):
        """True when the answer is correct."""
        return self.outcome is Outcome.CORRECT

    @property
    def message(self):
        """The sentence `Exercise.check` prints."""
        if self.outcome is Outcome.CORRECT:
            return f"Correct: {self.title}."
        if self.outcome is Outcome.INCORRECT:
            return f"Not yet ({self.title}): {self.reason}"
        if self.outcome is Outcome.NOT_ATTEMPTED:
            return f"Not answered yet ({self.title}): replace `...` with your answer, then run the cell again."
        return (
            f"The checker of {self.title!r} failed: {self.reason}. This is a fault of the course, not of your "
            "answer. Please report this message to your teacher or the course's issue tracker; meanwhile, compare "
            "your answer with the exercise's solution()."
        )


class CheckerFault(RuntimeError):
    """Raised by `Exercise.assert_correct` when the checker itself failed (a fault of the course)."""


class _AnswerFailed(Exception):
    """Raised by `call_answer`: running the learner's code failed, which makes the answer incorrect."""


def call_answer(doing, function, *args, **kwargs):
    """Run the learner's code (their layer, cell or function) inside a checker.

    An exception raised there is the learner's: the answer is judged incorrect
    with a message saying what was done and what was raised. An exception raised
    anywhere else in a checker is the checker's own fault (`Outcome.CHECKER_FAULT`).

    Args:
        doing: str, what the checker was doing, e.g. "calling your layer on (2, 5, 3) inputs".
        function: the callable to run (the learner's object, or a lambda that uses it).
        *args: positional arguments for `function`.
        **kwargs: keyword arguments for `function`.

    Returns:
        what `function` returns.

    Example:
    >>> q = Exercise(title="Call", question="Give a function of no arguments returning 1.",
    ...              checker=lambda f: None if call_answer("calling your function", f) == 1 else "not 1.",
    ...              hints=["lambda: 1"], solution="answer = lambda: 1")
    >>> q.check(lambda: 1 / 0)
    Not yet (Call): calling your function raised ZeroDivisionError: division by zero
    """
    check_str("doing", doing)
    try:
        return function(*args, **kwargs)
    except Exception as error:  # the learner's code may fail in any way: that is their answer's problem
        raise _AnswerFailed(f"{doing} raised {type(error).__name__}: {error}") from error


class Exercise:
    """One question with an answer checker, graded hints and a solution.

    Args:
        title: str, a short name shown in every message.
        question: str, the question as the learner reads it.
        checker: callable taking the answer and returning None when it is
            right, or a str saying what is wrong (anticipate the likely mistake).
            It runs the learner's code through `call_answer`; any other
            exception it raises is reported as a fault of the course.
        hints: a sequence of str, from a gentle nudge to nearly the method;
            `hint()` prints the first, `hint(2)` the second.
        solution: str, Python code that assigns the answer to `answer`. It
            imports what it uses, so it runs on its own (the tests run every
            solution through its checker, and `make assignments` puts it into
            the teacher's copy of the notebook).

    Example:
    >>> q = Exercise(title="Two", question="1 + 1?", checker=expect(lambda: 2),
    ...              hints=["Count.", "One, then one more."], solution="answer = 1 + 1")
    >>> q.evaluate(2)
    Result(title='Two', outcome=<Outcome.CORRECT: 'correct'>, reason=None)
    >>> q.hint(2)
    Hint 2 of 2 (Two): One, then one more.
    """

    def __init__(self, *, title, question, checker, hints=None, solution, hint=None):
        if hint is not None:  # the exercises of rnnedu 0.x took one `hint`
            raise TypeError(
                "`hint` is now `hints`: a list of str from a gentle nudge to nearly the method, "
                f"e.g. hints=[{hint!r}, '...'], got hint={describe(hint)}."
            )
        self.title = check_str("title", title)
        self.question = check_str("question", question)
        if not callable(checker):
            raise TypeError(f"`checker` must be callable (answer -> None or a message), got {describe(checker)}.")
        self.checker = checker
        if isinstance(hints, str) or not isinstance(hints, (list, tuple)) or not hints:
            raise TypeError(f"`hints` must be a non-empty list of strings, got {describe(hints)}.")
        self.hints = tuple(check_str(f"hints[{i}]", h) for i, h in enumerate(hints))
        self.solution_code = _check_solution_code(solution)

    def evaluate(self, answer):
        """Judge an answer without printing.

        Args:
            answer: the learner's answer; `...` means not answered yet.

        Returns:
            a `Result`.
        """
        if answer is UNANSWERED:
            return Result(self.title, Outcome.NOT_ATTEMPTED)
        try:
            problem = self.checker(answer)
        except _AnswerFailed as failure:
            return Result(self.title, Outcome.INCORRECT, str(failure))
        except Exception as error:  # the course's checker failed: say so, never blame the answer
            return Result(self.title, Outcome.CHECKER_FAULT, f"{type(error).__name__}: {error}")
        if problem is None:
            return Result(self.title, Outcome.CORRECT)
        if not isinstance(problem, str):
            return Result(self.title, Outcome.CHECKER_FAULT, f"it returned {describe(problem)}, not None or a str")
        return Result(self.title, Outcome.INCORRECT, problem)

    def check(self, answer=UNANSWERED):
        """Print whether `answer` is right and, if not, what is wrong."""
        print(self.evaluate(answer).message)

    def assert_correct(self, answer=UNANSWERED):
        """Raise unless `answer` is right: the test that a graded assignment runs (`make assignments`).

        Args:
            answer: the learner's answer.

        Raises:
            AssertionError: the answer is incorrect or not attempted (the message says why).
            CheckerFault: the checker itself failed, a fault of the course.
        """
        result = self.evaluate(answer)
        if result.outcome is Outcome.CHECKER_FAULT:
            raise CheckerFault(result.message)
        if not result.passed:
            raise AssertionError(result.message)

    def hint(self, n=1):
        """Print hint number `n` (1 for the first, gentlest one).

        Args:
            n: int, between 1 and the number of hints.
        """
        check_int("n", n, min_value=1)
        if n > len(self.hints):
            raise ValueError(
                f"{self.title!r} has {len(self.hints)} hint(s): `n` must be between 1 and {len(self.hints)}, got {n}."
            )
        more = f" (hint({n + 1}) says more)" if n < len(self.hints) else ""
        print(f"Hint {n} of {len(self.hints)} ({self.title}): {self.hints[n - 1]}{more}")

    def solution(self):
        """Print the solution: code that assigns the answer to `answer`."""
        print(f"Solution ({self.title}):\n{self.solution_code}")

    def __repr__(self):
        return f"Exercise {self.title!r}: {self.question}"

    def _repr_markdown_(self):
        return f"**Exercise: {_escape(self.title)}.** {_escape(self.question)}"


class Reflection:
    """A question to think about (predict, explain why): shown, never checked.

    Like Kaggle Learn's thought experiments: the learner writes an answer in
    their own words, then compares it with a model discussion.

    Args:
        title: str, a short name.
        question: str, the question as the learner reads it.
        solution: str, a model discussion, shown by `solution()`.

    Example:
    >>> r = Reflection(title="Why", question="Why is the sky blue?", solution="Rayleigh scattering.")
    >>> r.check()
    Not checked (Why): write your answer in your own words, then compare it with solution().
    >>> r.solution()
    Discussion (Why):
    Rayleigh scattering.
    """

    def __init__(self, *, title, question, solution):
        self.title = check_str("title", title)
        self.question = check_str("question", question)
        self.discussion = check_str("solution", solution)

    def check(self, answer=UNANSWERED):
        """Say that this question is not checked, whatever `answer` is."""
        print(f"Not checked ({self.title}): write your answer in your own words, then compare it with solution().")

    def solution(self):
        """Print a model discussion."""
        print(f"Discussion ({self.title}):\n{self.discussion}")

    def __repr__(self):
        return f"Reflection {self.title!r} (not checked): {self.question}"

    def _repr_markdown_(self):
        return (
            f"**To think about (not checked): {_escape(_sentence(self.title))}** {_escape(self.question)}\n\n"
            "Write your answer in your own words, then compare it with `solution()`."
        )


def _check_solution_code(solution):
    """Check that a solution is Python code that assigns `answer`."""
    check_str("solution", solution)
    try:
        tree = ast.parse(solution)
    except SyntaxError as error:
        raise ValueError(f"`solution` must be Python code, got a syntax error ({error.msg}) in {solution!r}.") from None
    names = {t.id for node in ast.walk(tree) if isinstance(node, ast.Assign) for t in node.targets if hasattr(t, "id")}
    if "answer" not in names:
        raise ValueError(f"`solution` must assign the answer to `answer` (answer = ...), got {describe(solution)}.")
    return solution


def _sentence(title):
    """`title` ending as a sentence: a full stop added unless it ends with one, or with ? or !."""
    return title if title.endswith((".", "?", "!")) else f"{title}."


def _escape(text):
    """Escape the characters Markdown reads as emphasis, outside `code spans`."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):  # even parts are outside backticks
        parts[i] = parts[i].replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")
    return "`".join(parts)


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
    if isinstance(right, bool):
        return None if answer is right else f"expected {right!r} or {not right!r}, got {describe(answer)}."
    if isinstance(right, numbers.Number):
        return _compare_number(answer, right)
    if isinstance(right, str):
        if not isinstance(answer, str):
            return f"expected a string, got {describe(answer)}."
        return None if answer.strip().lower() == right.lower() else f"{answer!r} is not the right answer."
    if isinstance(right, (tuple, list)):
        return _compare_sequence(answer, right)
    return None if answer is right or type(answer) is type(right) and answer == right else "it is not right."


def _compare_number(answer, right):
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return f"expected a number, got {describe(answer)}."
    if not math.isfinite(answer):
        return f"expected a finite number, got {answer}."
    if answer == right or (isinstance(right, float) and math.isclose(answer, right, rel_tol=1e-3, abs_tol=1e-6)):
        return None
    return f"your answer {answer:,} is too {'high' if answer > right else 'low'}."


def _compare_sequence(answer, right):
    if not isinstance(answer, (tuple, list)):
        return f"expected a {type(right).__name__} of {len(right)} items, got {describe(answer)}."
    if len(answer) != len(right):
        return f"expected {len(right)} items, your answer has {len(answer)}."
    for position, (given, wanted) in enumerate(zip(answer, right)):
        if _compare(given, wanted) is not None:
            return f"position {position} of your answer, {given!r}, is not right."
    return None
