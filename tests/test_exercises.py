import keras
import pytest

from rnnedu.exercises import (
    Exercise,
    bidirectional,
    builtin_rnn_layers,
    encoder_decoder,
    expect,
    nested_inputs,
    outputs_and_states,
    rnn_cells,
    start_here,
    stateful_and_state_reuse,
)


def make(expected):
    return Exercise("Q", "A question?", expect(lambda: expected), "A hint.", "The solution.")


def test_right_answer_passes_and_prints_correct(capsys):
    make(42).check(42)
    assert capsys.readouterr().out == "Correct: Q.\n"


@pytest.mark.parametrize(
    "expected, answer, reason",
    [
        (98816, 98304, "your answer 98,304 is too low."),
        (98816, 99000, "your answer 99,000 is too high."),
        (98816, "98816", "expected a number, got '98816' (str)."),
        ((None, 5, 128), (None, 5, 64), "position 2 of your answer, 64, is not right."),
        ((None, 5, 128), (None, 128), "expected 3 items, your answer has 2."),
        ((None, 5, 128), 128, "expected a tuple of 3 items, got 128 (int)."),
        ("LSTM", "GRU", "'GRU' is not the right answer."),
        ("LSTM", 3, "expected a string, got 3 (int)."),
    ],
)
def test_wrong_answer_says_what_is_wrong(expected, answer, reason):
    passed, message = make(expected).evaluate(answer)
    assert not passed
    assert message == f"Not yet (Q): {reason}"


def test_strings_compare_ignoring_case_and_spaces():
    assert make("LSTM").evaluate(" lstm ")[0]


def test_unanswered_exercise_says_so():
    passed, message = make(1).evaluate(...)
    assert not passed and "Not answered yet" in message


def test_checker_that_raises_is_reported_not_crashing():
    def checker(answer):
        return answer.missing_attribute

    passed, message = Exercise("Q", "?", checker, "h", "s").evaluate(3)
    assert not passed and "raised AttributeError" in message


def test_hint_and_solution_print(capsys):
    q = make(1)
    q.hint()
    q.solution()
    assert capsys.readouterr().out == "Hint (Q): A hint.\nSolution (Q):\nThe solution.\n"


def test_repr_shows_the_question():
    assert repr(make(1)) == "Exercise 'Q': A question?"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"title": ""}, "`title` must be a non-empty string"),
        ({"question": None}, "`question` must be a non-empty string"),
        ({"checker": 3}, "`checker` must be callable"),
        ({"hint": 5}, "`hint` must be a non-empty string"),
    ],
)
def test_bad_exercise_definitions_are_rejected(kwargs, message):
    arguments = {"title": "Q", "question": "?", "checker": expect(lambda: 1), "hint": "h", "solution": "s"}
    arguments.update(kwargs)
    with pytest.raises(TypeError, match=message):
        Exercise(**arguments)


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
    assert exercise.evaluate(right) == (True, f"Correct: {exercise.title}.")
    assert not exercise.evaluate(wrong)[0]


def test_start_here_q3_explains_a_non_tensor_answer():
    assert "expected the result of keras.Input" in start_here.q3.evaluate((None, None, 8))[1]


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
    assert exercise.evaluate(right) == (True, f"Correct: {exercise.title}.")
    assert not exercise.evaluate(wrong)[0]


def test_build_it_accepts_a_one_state_layer_and_explains_a_wrong_one():
    q = outputs_and_states.q3
    assert q.evaluate(keras.layers.GRU(8, return_sequences=True, return_state=True))[0]
    assert q.evaluate(keras.layers.SimpleRNN(8, return_sequences=True, return_state=True))[0]
    passed, message = q.evaluate(keras.layers.LSTM(8, return_sequences=True, return_state=True))
    assert not passed and "returns [(None, 12, 8), (None, 8), (None, 8)]" in message
    assert "expected a Keras layer" in q.evaluate("GRU")[1]


def test_float_answers_are_accepted_within_float32_precision_only():
    check = expect(lambda: 0.699999988)
    assert check(0.7) is None
    assert check(0.71) == "your answer 0.71 is too high."


def test_one_loop_two_cells_accepts_a_stack_and_explains_wrong_ones():
    q = rnn_cells.q3
    assert q.evaluate(keras.layers.RNN([keras.layers.LSTMCell(6), keras.layers.GRUCell(4)]))[0]
    assert q.evaluate(
        keras.layers.RNN(keras.layers.StackedRNNCells([keras.layers.LSTMCell(6), keras.layers.GRUCell(4)]))
    )[0]
    passed, message = q.evaluate(keras.layers.RNN([keras.layers.LSTMCell(6), keras.layers.LSTMCell(4)]))
    assert not passed and "weights do not match" in message
    passed, message = q.evaluate(
        keras.layers.RNN([keras.layers.LSTMCell(6), keras.layers.GRUCell(4)], return_sequences=True)
    )
    assert not passed and "output has shape (2, 5, 4)" in message
    assert "expected a keras.layers.RNN layer" in q.evaluate(keras.layers.Dense(4))[1]


def test_masking_exercises_accept_the_solutions_and_explain_mistakes():
    from rnnedu.exercises import custom_mask_layers, padding_and_masking

    assert (
        padding_and_masking.q1.evaluate([[8, 9], [0, 4]])[0]
        and not padding_and_masking.q1.evaluate([[7, 8], [4, 0]])[0]
    )
    assert padding_and_masking.q2.evaluate("post")[0] and not padding_and_masking.q2.evaluate("pre")[0]
    assert padding_and_masking.q3.evaluate(2)[0] and not padding_and_masking.q3.evaluate(4)[0]
    assert custom_mask_layers.q3.evaluate("a")[0] and not custom_mask_layers.q3.evaluate("b")[0]

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

    assert custom_mask_layers.q1.evaluate(MaskedSum)[0]
    unmasked = custom_mask_layers.q1.evaluate(keras.layers.Lambda(lambda x: keras.ops.sum(x, axis=1)))
    assert not unmasked[0] and "sums the padding too" in unmasked[1]
    assert custom_mask_layers.q2.evaluate(DropFirst())[0]
    passed, message = custom_mask_layers.q2.evaluate(DropFirst(pass_mask_unchanged=True))
    assert not passed and "drop the first step of the mask too" in message


def test_decoder_exercise_accepts_an_lstm_and_explains_wrong_layers():
    q = encoder_decoder.q3
    assert q.evaluate(keras.layers.LSTM(32, return_sequences=True))[0]
    assert "(None, 32), not (None, 4, 32)" in q.evaluate(keras.layers.LSTM(32))[1]
    assert "only an LSTM keeps both h and c" in q.evaluate(keras.layers.GRU(32, return_sequences=True))[1]
    assert "(None, 4, 16), not (None, 4, 32)" in q.evaluate(keras.layers.LSTM(16, return_sequences=True))[1]


def test_stateful_model_exercise_needs_a_fixed_batch_and_a_stateful_lstm():
    q = stateful_and_state_reuse.q3
    inputs = keras.Input(shape=(None, 2), batch_size=3)
    assert q.evaluate(keras.Model(inputs, keras.layers.LSTM(5, stateful=True)(inputs)))[0]
    assert "none of its layers is stateful" in q.evaluate(keras.Model(inputs, keras.layers.LSTM(5)(inputs)))[1]
    other = keras.Input(shape=(None, 2), batch_size=4)
    assert (
        "batch size must be fixed to 3" in q.evaluate(keras.Model(other, keras.layers.LSTM(5, stateful=True)(other)))[1]
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
    assert q.evaluate(ColumnSumCell())[0]
    assert "not the running sum" in q.evaluate(ColumnSumCell(row_sums=True))[1]
    assert "expected an RNN cell" in q.evaluate(keras.layers.Dense(3))[1]


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
    assert padding_and_masking.q3.evaluate(2) == (True, "Correct: The repeated output.")
    assert not padding_and_masking.q3.evaluate(4)[0]


def test_padding_and_masking_q3_names_a_checker_fault_not_stopiteration(monkeypatch):
    from rnnedu.exercises import padding_and_masking

    _lstm_with_cudnn_rule(monkeypatch, pinned_too=True)
    passed, message = padding_and_masking.q3.evaluate(2)
    assert not passed and "StopIteration" not in message and "a fault of the checker" in message
