import keras
import pytest

from rnnedu.exercises import (
    CheckerFault,
    Exercise,
    Outcome,
    Reflection,
    Result,
    bidirectional,
    builtin_rnn_layers,
    call_answer,
    encoder_decoder,
    expect,
    nested_inputs,
    outputs_and_states,
    performance,
    rnn_cells,
    start_here,
    stateful_and_state_reuse,
)

ARGUMENTS = {
    "title": "Q",
    "question": "A question?",
    "checker": expect(lambda: 1),
    "hints": ["A hint.", "A stronger hint."],
    "solution": "answer = 1",
}


def make(expected=1, **changes):
    return Exercise(**{**ARGUMENTS, "checker": expect(lambda: expected), **changes})


def correct(exercise):
    return Result(exercise.title, Outcome.CORRECT)


def test_right_answer_passes_and_prints_correct(capsys):
    make(42).check(42)
    assert capsys.readouterr().out == "Correct: Q.\n"


@pytest.mark.parametrize(
    "expected, answer, reason",
    [
        (98816, 98304, "your answer 98,304 is too low."),
        (98816, 99000, "your answer 99,000 is too high."),
        (98816, "98816", "expected a number, got '98816' (str)."),
        (98816, float("nan"), "expected a finite number, got nan."),
        ((None, 5, 128), (None, 5, 64), "position 2 of your answer, 64, is not right."),
        ((None, 5, 128), (None, 128), "expected 3 items, your answer has 2."),
        ((None, 5, 128), 128, "expected a tuple of 3 items, got 128 (int)."),
        ([[8, 9], [0, 4]], [[8, 9], [4, 0]], "position 1 of your answer, [4, 0], is not right."),
        ("LSTM", "GRU", "'GRU' is not the right answer."),
        ("LSTM", 3, "expected a string, got 3 (int)."),
        (True, 1, "expected True or False, got 1 (int)."),
    ],
)
def test_wrong_answer_says_what_is_wrong(expected, answer, reason):
    result = make(expected).evaluate(answer)
    assert result.outcome is Outcome.INCORRECT and not result.passed
    assert result.message == f"Not yet (Q): {reason}"


def test_an_array_where_a_list_is_expected_is_a_wrong_answer_not_a_checker_fault():
    import numpy as np

    result = make([[8, 9], [0, 4]]).evaluate([np.array([8, 9]), np.array([0, 4])])
    assert result.outcome is Outcome.INCORRECT and "position 0" in result.reason


def test_strings_compare_ignoring_case_and_spaces():
    assert make("LSTM").evaluate(" lstm ").passed


def test_unanswered_exercise_says_so():
    result = make(1).evaluate(...)
    assert result.outcome is Outcome.NOT_ATTEMPTED and "Not answered yet" in result.message


def test_a_checker_that_raises_is_a_fault_of_the_course_not_of_the_answer():
    def checker(answer):
        return {}["missing"]  # a bug in the checker

    result = make(checker=checker).evaluate(3)
    assert result.outcome is Outcome.CHECKER_FAULT and not result.passed
    assert "KeyError" in result.reason and "fault of the course, not of your answer" in result.message
    assert "Not yet" not in result.message


def test_a_checker_that_returns_neither_none_nor_a_message_is_a_fault():
    assert make(checker=lambda answer: False).evaluate(3).outcome is Outcome.CHECKER_FAULT


def test_learner_code_that_raises_inside_a_checker_is_a_wrong_answer():
    def checker(layer):
        call_answer("calling your layer", layer, 3)

    result = make(checker=checker).evaluate(lambda x: x / 0)
    assert result.outcome is Outcome.INCORRECT
    assert result.reason == "calling your layer raised ZeroDivisionError: division by zero"


def test_assert_correct_passes_fails_and_names_a_checker_fault():
    q = make(2)
    q.assert_correct(2)
    with pytest.raises(AssertionError, match="your answer 3 is too high"):
        q.assert_correct(3)
    with pytest.raises(AssertionError, match="Not answered yet"):
        q.assert_correct()
    with pytest.raises(CheckerFault, match="fault of the course"):
        make(checker=lambda answer: 1 / 0).assert_correct(2)


def test_hints_are_graded_from_the_first(capsys):
    q = make()
    q.hint()
    q.hint(2)
    assert capsys.readouterr().out == (
        "Hint 1 of 2 (Q): A hint. (hint(2) says more)\nHint 2 of 2 (Q): A stronger hint.\n"
    )


@pytest.mark.parametrize(
    "n, error, message", [(3, ValueError, "has 2 hint"), (0, ValueError, "`n`"), ("2", TypeError, "`n`")]
)
def test_a_hint_past_the_last_is_a_clear_error(n, error, message):
    with pytest.raises(error, match=message):
        make().hint(n)


def test_solution_prints_its_code(capsys):
    make().solution()
    assert capsys.readouterr().out == "Solution (Q):\nanswer = 1\n"


def test_repr_shows_the_question_and_markdown_keeps_code_spans():
    q = make(question="Is `return_sequences` a 2 * 3_000 thing?")
    assert repr(q) == "Exercise 'Q': Is `return_sequences` a 2 * 3_000 thing?"
    assert q._repr_markdown_() == "**Exercise: Q.** Is `return_sequences` a 2 \\* 3\\_000 thing?"


def test_the_old_single_hint_gets_a_message_that_says_how_to_migrate():
    old = {key: value for key, value in ARGUMENTS.items() if key != "hints"}
    with pytest.raises(TypeError, match="`hint` is now `hints`: a list of str"):
        Exercise(**old, hint="A hint.")


def test_construction_is_keyword_only():
    with pytest.raises(TypeError):
        Exercise("Q", "?", expect(lambda: 1), ["h"], "answer = 1")


@pytest.mark.parametrize(
    "change, error, message",
    [
        ({"title": ""}, TypeError, "`title` must be a non-empty string"),
        ({"question": None}, TypeError, "`question` must be a non-empty string"),
        ({"checker": 3}, TypeError, "`checker` must be callable"),
        ({"hints": "one string"}, TypeError, "`hints` must be a non-empty list of strings"),
        ({"hints": []}, TypeError, "`hints` must be a non-empty list of strings"),
        ({"hints": ["ok", 5]}, TypeError, "`hints\\[1\\]` must be a non-empty string"),
        ({"solution": "answer ="}, ValueError, "`solution` must be Python code"),
        ({"solution": "result = 1"}, ValueError, "`solution` must assign the answer to `answer`"),
    ],
)
def test_bad_exercise_definitions_are_rejected(change, error, message):
    with pytest.raises(error, match=message):
        Exercise(**{**ARGUMENTS, **change})


def test_a_reflection_is_shown_not_checked(capsys):
    r = Reflection(title="Why", question="Why `h_t`?", solution="Because.")
    r.check("anything")
    r.solution()
    out = capsys.readouterr().out
    assert out.startswith("Not checked (Why):") and out.endswith("Discussion (Why):\nBecause.\n")
    assert "not checked" in repr(r) and "`h_t`" in r._repr_markdown_()
    with pytest.raises(TypeError, match="`solution` must be a non-empty string"):
        Reflection(title="Why", question="?", solution="")


def test_expect_needs_a_callable():
    with pytest.raises(TypeError, match="`expected` must be a callable"):
        expect(42)


@pytest.mark.parametrize(
    "exercise, right, wrong",
    [
        (start_here.q1, (28, 28), (28,)),
        (start_here.q2, 24, 21),
        (start_here.q3, lambda: keras.Input(shape=(None, 8)), lambda: keras.Input(shape=(10, 8))),
    ],
)
def test_start_here_exercises_accept_the_solution_and_reject_a_mistake(exercise, right, wrong):
    right, wrong = (answer() if callable(answer) else answer for answer in (right, wrong))  # tensors made per test
    assert exercise.evaluate(right) == correct(exercise)
    assert exercise.evaluate(wrong).outcome is Outcome.INCORRECT


def test_start_here_q3_explains_a_non_tensor_answer():
    assert "expected the result of keras.Input" in start_here.q3.evaluate((None, None, 8)).reason


@pytest.mark.parametrize(
    "exercise, right, wrong",
    [
        (builtin_rnn_layers.q1, 6_272, 6_304),
        (builtin_rnn_layers.q2, 480, 510),
        (builtin_rnn_layers.q3, 160_000, 160_032),
        (outputs_and_states.q1, (None, 12, 20), (None, 20)),
        (outputs_and_states.q2, 3, 2),
        (rnn_cells.q1, 2_080, 2_000),
        (rnn_cells.q2, 0.7, 0.0),
        (bidirectional.q1, (None, 7, 16), (None, 7, 32)),
        (bidirectional.q2, 24_832, 12_416),
        (bidirectional.q3, 5, 3),
        (encoder_decoder.q1, 1, 2),
        (encoder_decoder.q2, 98_816, 33_024),
        (stateful_and_state_reuse.q1, (4, 16), (None, 16)),
        (stateful_and_state_reuse.q2, 8, 48),
        (nested_inputs.q1, 2_080, 96),
        (nested_inputs.q2, 33_552, 33_536),
    ],
)
def test_notebook_exercises_accept_the_solution_and_reject_a_mistake(exercise, right, wrong):
    assert exercise.evaluate(right) == correct(exercise)
    assert exercise.evaluate(wrong).outcome is Outcome.INCORRECT


def test_build_it_accepts_a_one_state_layer_and_explains_a_wrong_one():
    q = outputs_and_states.q3
    assert q.evaluate(keras.layers.GRU(8, return_sequences=True, return_state=True)).passed
    assert q.evaluate(keras.layers.SimpleRNN(8, return_sequences=True, return_state=True)).passed
    result = q.evaluate(keras.layers.LSTM(8, return_sequences=True, return_state=True))
    assert result.outcome is Outcome.INCORRECT and "returns [(None, 12, 8), (None, 8), (None, 8)]" in result.message
    assert "expected a Keras layer" in q.evaluate("GRU").message


def test_float_answers_are_accepted_within_float32_precision_only():
    check = expect(lambda: 0.699999988)
    assert check(0.7) is None
    assert check(0.71) == "your answer 0.71 is too high."


def test_one_loop_two_cells_accepts_a_stack_and_explains_wrong_ones():
    q = rnn_cells.q3
    assert q.evaluate(keras.layers.RNN([keras.layers.LSTMCell(6), keras.layers.GRUCell(4)])).passed
    assert q.evaluate(
        keras.layers.RNN(keras.layers.StackedRNNCells([keras.layers.LSTMCell(6), keras.layers.GRUCell(4)]))
    ).passed
    result = q.evaluate(keras.layers.RNN([keras.layers.LSTMCell(6), keras.layers.LSTMCell(4)]))
    assert result.outcome is Outcome.INCORRECT and "weights do not match" in result.message
    result = q.evaluate(keras.layers.RNN([keras.layers.LSTMCell(6), keras.layers.GRUCell(4)], return_sequences=True))
    assert result.outcome is Outcome.INCORRECT and "output has shape (2, 5, 4)" in result.message
    assert "expected a keras.layers.RNN layer" in q.evaluate(keras.layers.Dense(4)).message


def test_masking_exercises_accept_the_solutions_and_explain_mistakes():
    from rnnedu.exercises import custom_mask_layers, padding_and_masking

    assert (
        padding_and_masking.q1.evaluate([[8, 9], [0, 4]]).passed
        and not padding_and_masking.q1.evaluate([[7, 8], [4, 0]]).passed
    )
    assert padding_and_masking.q2.evaluate("post").passed and not padding_and_masking.q2.evaluate("pre").passed
    assert padding_and_masking.q3.evaluate(2).passed and not padding_and_masking.q3.evaluate(4).passed
    assert custom_mask_layers.q3.evaluate("a").passed and not custom_mask_layers.q3.evaluate("b").passed

    class MaskedSum(keras.layers.Layer):
        def call(self, inputs, mask=None):
            if mask is not None:
                inputs = inputs * keras.ops.expand_dims(keras.ops.cast(mask, inputs.dtype), -1)
            return keras.ops.sum(inputs, axis=1)

        def compute_mask(self, inputs, mask=None):
            return None

    class DropFirst(keras.layers.Layer):
        def __init__(self, pass_mask_unchanged=False):
            super().__init__()
            self.pass_mask_unchanged = pass_mask_unchanged

        def call(self, inputs):
            return inputs[:, 1:]

        def compute_mask(self, inputs, mask=None):
            return mask if self.pass_mask_unchanged else mask[:, 1:]

    assert custom_mask_layers.q1.evaluate(MaskedSum).passed
    unmasked = custom_mask_layers.q1.evaluate(keras.layers.Lambda(lambda x: keras.ops.sum(x, axis=1)))
    assert not unmasked.passed and "sums the padding too" in unmasked.reason
    assert custom_mask_layers.q2.evaluate(DropFirst()).passed
    result = custom_mask_layers.q2.evaluate(DropFirst(pass_mask_unchanged=True))
    assert result.outcome is Outcome.INCORRECT and "drop the first step of the mask too" in result.message


def test_decoder_exercise_accepts_an_lstm_and_explains_wrong_layers():
    q = encoder_decoder.q3
    assert q.evaluate(keras.layers.LSTM(32, return_sequences=True)).passed
    assert "(None, 32), not (None, 4, 32)" in q.evaluate(keras.layers.LSTM(32)).message
    assert "only an LSTM keeps both h and c" in q.evaluate(keras.layers.GRU(32, return_sequences=True)).message
    assert "(None, 4, 16), not (None, 4, 32)" in q.evaluate(keras.layers.LSTM(16, return_sequences=True)).message


def test_stateful_model_exercise_needs_a_fixed_batch_and_a_stateful_lstm():
    q = stateful_and_state_reuse.q3
    inputs = keras.Input(shape=(None, 2), batch_size=3)
    assert q.evaluate(keras.Model(inputs, keras.layers.LSTM(5, stateful=True)(inputs))).passed
    assert "none of its layers is stateful" in q.evaluate(keras.Model(inputs, keras.layers.LSTM(5)(inputs))).message
    other = keras.Input(shape=(None, 2), batch_size=4)
    assert (
        "batch size must be fixed to 3"
        in q.evaluate(keras.Model(other, keras.layers.LSTM(5, stateful=True)(other))).message
    )


def test_column_sum_cell_exercise_runs_the_cell_against_numpy():
    class ColumnSumCell(keras.layers.Layer):
        def __init__(self, row_sums=False, **kwargs):
            super().__init__(**kwargs)
            self.state_size, self.output_size, self.row_sums = 3, 3, row_sums

        def call(self, inputs, states):
            matrix = keras.ops.reshape(inputs[:, 3:], (-1, 2, 3))
            sums = keras.ops.sum(matrix, axis=2 if self.row_sums else 1)
            sums = keras.ops.concatenate([sums, sums[:, :1]], axis=-1) if self.row_sums else sums
            state = states[0] + inputs[:, :3] + sums
            return state, [state]

    q = nested_inputs.q3
    assert q.evaluate(ColumnSumCell()).passed
    assert "not the running sum" in q.evaluate(ColumnSumCell(row_sums=True)).message
    assert "expected an RNN cell" in q.evaluate(keras.layers.Dense(3)).message


def _lstm_with_cudnn_rule(monkeypatch, pinned_too=False):
    """Make keras.layers.LSTM write zeros at masked steps, as the cuDNN kernel does on a GPU.

    With pinned_too=False a layer made with use_cudnn=False keeps the generic loop's rule (as on a GPU);
    with pinned_too=True every LSTM writes zeros (a checker that finds no repeated output).
    """
    lstm = keras.layers.LSTM

    def like_on_a_gpu(*args, use_cudnn="auto", **kwargs):
        zeros = pinned_too or use_cudnn is not False
        return lstm(*args, use_cudnn=use_cudnn, zero_output_for_mask=zeros, **kwargs)

    monkeypatch.setattr(keras.layers, "LSTM", like_on_a_gpu)


def test_padding_and_masking_q3_holds_where_the_kernel_writes_zeros_at_masked_steps(monkeypatch):
    from rnnedu.exercises import padding_and_masking

    _lstm_with_cudnn_rule(monkeypatch)
    assert padding_and_masking.q3.evaluate(2) == correct(padding_and_masking.q3)
    assert not padding_and_masking.q3.evaluate(4).passed


def test_padding_and_masking_q3_reports_a_checker_fault_not_a_wrong_answer(monkeypatch):
    from rnnedu.exercises import padding_and_masking

    _lstm_with_cudnn_rule(monkeypatch, pinned_too=True)
    result = padding_and_masking.q3.evaluate(2)
    assert result.outcome is Outcome.CHECKER_FAULT and "StopIteration" not in result.message
    assert "repeated no real step's output" in result.reason and "fault of the course" in result.message


def test_dropout_exercise_accepts_spatial_dropout_before_a_fused_lstm_and_explains_mistakes():
    q = performance.q2
    lstm = keras.layers.LSTM(32, return_sequences=True)
    assert q.evaluate(keras.Sequential([keras.layers.SpatialDropout1D(0.2), lstm])).passed
    plain_dropout = q.evaluate(
        keras.Sequential([keras.layers.Dropout(0.2), keras.layers.LSTM(32, return_sequences=True)])
    )
    assert plain_dropout.outcome is Outcome.INCORRECT and "SpatialDropout1D drops the same ones" in plain_dropout.reason
    blocked = q.evaluate(keras.layers.LSTM(32, return_sequences=True, dropout=0.2, recurrent_dropout=0.1))
    assert blocked.outcome is Outcome.INCORRECT and "does not qualify" in blocked.reason
    assert "units" in q.evaluate(keras.layers.LSTM(16, return_sequences=True, dropout=0.2)).reason
    assert "rates []" in q.evaluate(keras.layers.LSTM(32, return_sequences=True)).reason
    assert "expected a keras.Sequential" in q.evaluate("LSTM").reason


def test_a_reflection_titled_as_a_question_gets_no_extra_full_stop():
    asked = Reflection(title="Why gates?", question="Why?", solution="Because.")
    told = Reflection(title="Gates", question="Why?", solution="Because.")
    assert asked._repr_markdown_().startswith("**To think about (not checked): Why gates?** Why?")
    assert told._repr_markdown_().startswith("**To think about (not checked): Gates.** Why?")
