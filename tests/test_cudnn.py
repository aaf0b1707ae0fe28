"""explain_fast_path: each condition flips its own row and the verdict, and agrees with what Keras does."""

import importlib
import inspect
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from rnnedu import cudnn
from rnnedu.cudnn import explain_fast_path, mask_rows, stated_conditions

RNN = importlib.import_module("keras.src.backend.tensorflow.rnn")
HAS_GPU = bool(tf.config.list_logical_devices("GPU"))
LAYERS = {"LSTM": keras.layers.LSTM, "GRU": keras.layers.GRU}
# One argument that breaks the fused kernel; the condition it breaks is the one that names it.
FLIPS = [
    {"activation": "relu"},
    {"recurrent_activation": "hard_sigmoid"},
    {"recurrent_dropout": 0.2},
    {"unroll": True},
    {"use_bias": False},
    {"use_cudnn": False},
]
CASES = [(name, kwargs) for name in LAYERS for kwargs in FLIPS] + [("GRU", {"reset_after": False})]


def met(table):
    conditions = table[table["about"] != "verdict"]
    return dict(zip(conditions["condition"], conditions["met"]))


@pytest.mark.parametrize("name", LAYERS)
def test_stated_conditions_are_the_numbered_items_of_the_keras_docstring(name):
    doc = inspect.getdoc(LAYERS[name])
    block = doc.split("The requirements to use the cuDNN implementation are:")[1].split("\n\n")[1]
    numbered = re.findall(r"^\d+\. (.*)$", block, flags=re.M)
    assert stated_conditions(LAYERS[name]) == numbered
    assert ("`reset_after` is `True`" in numbered) == (name == "GRU")


@pytest.mark.parametrize("name", LAYERS)
def test_default_layer_qualifies_and_uses_cudnn_only_with_a_gpu(name):
    table = explain_fast_path(LAYERS[name](8))
    assert table.attrs["qualifies"] is True
    assert table.attrs["uses_cudnn"] is HAS_GPU
    assert met(table)["a GPU is visible to TensorFlow"] is HAS_GPU
    assert all(v is True for c, v in met(table).items() if c != "a GPU is visible to TensorFlow")


@pytest.mark.parametrize("name, kwargs", CASES, ids=str)
def test_flipping_one_argument_fails_that_condition_alone(name, kwargs):
    before, after = met(explain_fast_path(LAYERS[name](8))), explain_fast_path(LAYERS[name](8, **kwargs))
    changed = [c for c, v in met(after).items() if v != before[c]]
    (argument,) = kwargs
    (condition,) = changed
    assert f"`{argument}`" in condition
    assert after.attrs["qualifies"] is False and after.attrs["uses_cudnn"] is False
    assert condition in after.attrs["verdict"]


@pytest.mark.parametrize(
    "mask, found, ok",
    [
        ([[True, True, True], [True, True, True]], "right-padded", True),
        ([[True, True, False], [True, False, False]], "right-padded", True),
        ([[False, True, True], [True, True, True]], "not right-padded", False),
        ([[True, False, True], [True, True, True]], "not right-padded", False),
        ([[True, True, True], [False, False, False]], "a sequence is fully masked", False),
    ],
)
@pytest.mark.parametrize("name", LAYERS)
def test_mask_must_be_right_padded(name, mask, found, ok):
    table = explain_fast_path(LAYERS[name](4), mask=np.array(mask))
    row = table[table["condition"].str.contains("right-padded")].iloc[0]
    assert (row["found"], row["met"], row["about"]) == (found, ok, "input")
    assert table.attrs["qualifies"] is ok


def test_graph_outermost_context_fails_the_eager_condition_but_not_the_layer():
    layer = keras.layers.LSTM(4)
    with tf.Graph().as_default():
        table = explain_fast_path(layer)
    assert met(table)["Eager execution is enabled in the outermost context."] is False
    assert table.attrs["qualifies"] is True and table.attrs["uses_cudnn"] is False


def test_visible_gpu_turns_a_qualifying_layer_to_cudnn(monkeypatch):
    monkeypatch.setattr(RNN, "_is_gpu_available", lambda: True)
    assert explain_fast_path(keras.layers.GRU(4)).attrs["verdict"].startswith("cuDNN kernel")
    assert explain_fast_path(keras.layers.GRU(4, unroll=True)).attrs["uses_cudnn"] is False


@pytest.mark.parametrize(
    "name, kwargs", [(n, {}) for n in LAYERS] + [(n, {"dropout": 0.2}) for n in LAYERS] + CASES, ids=str
)
def test_verdict_matches_whether_keras_calls_the_cudnn_kernel(monkeypatch, name, kwargs):
    """With a GPU pretended, Keras's own layer code decides; a spy sees whether it reaches cuDNN."""
    attempts = []

    def spy(*args, **kwargs):
        attempts.append(True)
        raise NotImplementedError  # Keras then falls back to the generic loop, as without a GPU

    monkeypatch.setattr(RNN, "_is_gpu_available", lambda: True)
    monkeypatch.setattr(RNN, f"_cudnn_{name.lower()}", spy)
    layer = LAYERS[name](3, **kwargs)
    layer(np.zeros((2, 4, 5), "float32"))
    assert bool(attempts) is explain_fast_path(layer).attrs["uses_cudnn"]


def test_use_cudnn_true_without_the_kernel_is_an_error_keras_raises():
    layer = keras.layers.LSTM(4, use_cudnn=True, activation="relu")
    assert "raises a ValueError" in explain_fast_path(layer).attrs["verdict"]
    with pytest.raises(ValueError, match="use_cudnn=True was specified"):
        layer(np.zeros((1, 2, 3), "float32"))


@pytest.mark.parametrize(
    "layer",
    [keras.layers.RNN(keras.layers.LSTMCell(4)), keras.layers.RNN(keras.layers.GRUCell(4)), keras.layers.SimpleRNN(4)],
    ids=lambda layer: type(layer).__name__ + "/" + type(getattr(layer, "cell", layer)).__name__,
)
def test_layers_without_a_fused_kernel_never_qualify(layer):
    table = explain_fast_path(layer)
    assert table.attrs["qualifies"] is False
    assert met(table)["the layer is keras.layers.LSTM or keras.layers.GRU"] is False


def test_a_condition_keras_adds_is_shown_unchecked_and_blocks_the_verdict(monkeypatch):
    doc = keras.layers.LSTM.__doc__.replace(
        "7. Eager execution is enabled in the outermost context.",
        "7. Eager execution is enabled in the outermost context.\n    8. The moon is full.",
    )
    monkeypatch.setattr(keras.layers.LSTM, "__doc__", doc)
    table = explain_fast_path(keras.layers.LSTM(4))
    assert met(table)["The moon is full."] is None
    assert table.attrs["qualifies"] is False


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: explain_fast_path("LSTM"), TypeError, "`layer` must be a Keras layer, got 'LSTM' (str)"),
        (lambda: explain_fast_path(keras.layers.LSTM(2), mask=[1, 0]), ValueError, "`mask` must have shape (batch"),
        (lambda: explain_fast_path(keras.layers.LSTM(2), mask=[[2, 0]]), ValueError, "`mask` must hold True"),
        (lambda: explain_fast_path(keras.layers.Bidirectional(keras.layers.LSTM(2))), ValueError, "forward_layer"),
        (lambda: stated_conditions(keras.layers.SimpleRNN), TypeError, "`layer_class` must be keras.layers.LSTM"),
    ],
)
def test_bad_arguments_name_the_argument(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_other_backends_are_refused_with_the_backend_named(monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    with pytest.raises(RuntimeError, match="Keras runs on 'jax'"):
        explain_fast_path(keras.layers.LSTM(2))


def test_performance_exercises_accept_the_solutions_and_explain_mistakes():
    from rnnedu.exercises import performance

    assert performance.q1.evaluate("recurrent_dropout").passed and not performance.q1.evaluate("go_backwards").passed
    dropout_allowed = "`dropout`" not in " ".join(stated_conditions(keras.layers.LSTM))  # Keras 3.3 forbade it
    assert performance.q2.evaluate(keras.layers.LSTM(32, return_sequences=True, dropout=0.2)).passed is dropout_allowed
    both = keras.layers.LSTM(32, return_sequences=True, dropout=0.2, recurrent_dropout=0.2)
    result = performance.q2.evaluate(both)
    assert not result.passed and "`recurrent_dropout` == 0" in result.reason.split("not met: ")[1]
    result = performance.q2.evaluate(keras.layers.LSTM(32, return_sequences=True))
    assert not result.passed and "rates []" in result.reason
    assert (
        "expected a keras.Sequential (or a keras.layers.LSTM), got GRU"
        in performance.q2.evaluate(keras.layers.GRU(32)).reason
    )
    assert performance.q3.evaluate("jax").passed and not performance.q3.evaluate("torch").passed


def test_cudnn_watch_counts_successful_calls_and_restores_the_function(monkeypatch):
    import math

    original = math.sqrt
    monkeypatch.setitem(cudnn.CUDNN_FUNCTIONS, "test", [("math", "sqrt")])
    with cudnn.watch_cudnn_calls("test") as calls:
        assert math.sqrt(4.0) == 2.0
        with pytest.raises(ValueError):
            math.sqrt(-1.0)
    assert calls == ["sqrt"] and math.sqrt is original


@pytest.mark.parametrize("timesteps", [1, 2, 3, 4, 5])
def test_mask_rows_agree_with_the_checks_keras_runs_before_cudnn_on_every_mask(timesteps):
    masks = np.array(list(np.ndindex(*([2] * timesteps))), dtype=bool)  # every mask of this length
    right_padded, fully_masked = mask_rows(masks)
    for row, right, empty in zip(masks, right_padded, fully_masked):
        tensor = tf.constant(row[None])
        assert right == bool(RNN._is_sequence_right_padded(tensor)), row
        assert empty == bool(RNN._has_fully_masked_sequence(tensor)), row
    assert right_padded.sum() == timesteps + 1  # k real steps then padding, for k = 0..timesteps
