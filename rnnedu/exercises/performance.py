"""Exercises for notebooks/07_performance.ipynb: the fused kernel's conditions and what it is worth."""

import inspect
import re

from rnnedu.exercises import Exercise, expect

__all__ = ["q1", "q2", "q3"]


def _blocking_argument():
    """The argument, named in the one unmet condition, that the layer sets away from its default."""
    import keras

    from rnnedu.cudnn import explain_fast_path

    layer = keras.layers.GRU(32, recurrent_dropout=0.1, go_backwards=True, return_sequences=True)
    defaults = inspect.signature(keras.layers.GRU).parameters
    (condition,) = _unmet(explain_fast_path(layer))
    named = re.findall(r"`(\w+)`", condition)
    (argument,) = [name for name in named if name in defaults and getattr(layer, name) != defaults[name].default]
    return argument


def _check_dropout_lstm(answer):
    import keras

    from rnnedu.cudnn import explain_fast_path

    if not isinstance(answer, keras.layers.LSTM):
        return f"expected a keras.layers.LSTM layer, got {type(answer).__name__}."
    settings = {"units": 32, "return_sequences": True, "dropout": 0.2}
    wrong = {name: getattr(answer, name) for name, value in settings.items() if getattr(answer, name) != value}
    if wrong:
        return f"it has {wrong}; the question asks for {settings}."
    table = explain_fast_path(answer)
    if not table.attrs["qualifies"]:
        return "it does not qualify for the fused kernel; not met: " + "; ".join(_unmet(table)) + "."
    return None


def _unmet(table):
    """The layer and input conditions of an explain_fast_path table that are not met."""
    rows = table[table["about"].isin(["layer", "input"])]
    return [condition for condition, met in zip(rows["condition"], rows["met"]) if met is not True]


def _slower_backend():
    from rnnedu.datasets import load_kernel_results

    table = load_kernel_results()
    slower = table[(table["layer"] == "LSTM") & (table["timesteps"] == 28) & (table["speedup"] < 1)]
    (backend,) = set(slower["backend"])
    return backend


q1 = Exercise(
    "What blocks the kernel",
    "keras.layers.GRU(32, recurrent_dropout=0.1, go_backwards=True, return_sequences=True) does not qualify "
    "for the fused cuDNN kernel. Which argument is to blame? Answer with its name, as a string.",
    expect(_blocking_argument),
    "Run rnnedu.explain_fast_path on the layer and read the rows whose `met` is False. "
    "Reading backwards and returning the whole sequence are allowed.",
    'answer = "recurrent_dropout"  # dropout between timesteps; in Keras 3.15 dropout on the inputs is allowed',
)

q2 = Exercise(
    "Dropout on the fast path",
    "Build an LSTM with 32 units that returns the whole sequence, drops 20% of its inputs during training, "
    "and still qualifies for the fused kernel.",
    _check_dropout_lstm,
    "There are two dropout arguments; only one of them is on the list of conditions.",
    "answer = keras.layers.LSTM(32, return_sequences=True, dropout=0.2)",
)

q3 = Exercise(
    "Not always faster",
    "In the H200 measurement (rnnedu.datasets.load_kernel_results()), on which backend was the fused LSTM slower "
    'than RNN(LSTMCell) at 28 timesteps? Answer "jax" or "torch".',
    expect(_slower_backend),
    "Look for rows with layer LSTM, timesteps 28 and a speedup below 1.",
    'answer = "jax"  # its generic loop is already compiled by XLA; the fused kernel wins from 112 timesteps',
)
