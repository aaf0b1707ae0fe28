"""Exercises for notebooks/07_performance.ipynb: the fused kernel's conditions and what it is worth."""

import inspect
import re

from rnnedu.exercises import Exercise, Reflection, expect

__all__ = ["q1", "q2", "q3", "r1"]


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


def _check_dropout_model(answer):
    import keras

    from rnnedu.cudnn import explain_fast_path

    if isinstance(answer, keras.layers.LSTM):
        layers = [answer]
    elif isinstance(answer, keras.Sequential):
        layers = list(answer.layers)
    else:
        return f"expected a keras.Sequential (or a keras.layers.LSTM), got {type(answer).__name__}."
    lstms = [layer for layer in layers if isinstance(layer, keras.layers.LSTM)]
    if len(lstms) != 1:
        return f"expected one LSTM layer, your answer has {len(lstms)}."
    (lstm,) = lstms
    settings = {"units": 32, "return_sequences": True}
    wrong = {name: getattr(lstm, name) for name, value in settings.items() if getattr(lstm, name) != value}
    if wrong:
        return f"its LSTM has {wrong}; the question asks for {settings}."
    before = layers[: layers.index(lstm)]
    if any(type(layer) is keras.layers.Dropout for layer in before):
        return (
            "keras.layers.Dropout drops different features at every timestep; "
            "keras.layers.SpatialDropout1D drops the same ones at every timestep, as an LSTM's dropout does."
        )
    rates = [layer.rate for layer in before if isinstance(layer, keras.layers.SpatialDropout1D)]
    rates += [lstm.dropout] if lstm.dropout else []
    if len(rates) != 1 or abs(rates[0] - 0.2) > 1e-9:
        return f"it drops inputs at the rates {rates}; the question asks for one dropout of 20% (0.2)."
    table = explain_fast_path(lstm)
    if not table.attrs["qualifies"]:
        advice = (
            " This Keras does not allow the LSTM's own `dropout` on the fused path: drop the features with a "
            "keras.layers.SpatialDropout1D layer before the LSTM instead."
            if lstm.dropout
            else ""
        )
        return "its LSTM does not qualify for the fused kernel; not met: " + "; ".join(_unmet(table)) + "." + advice
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
    title="What blocks the kernel",
    question="keras.layers.GRU(32, recurrent_dropout=0.1, go_backwards=True, return_sequences=True) does not "
    "qualify for the fused cuDNN kernel. Which argument is to blame? Answer with its name, as a string.",
    checker=expect(_blocking_argument),
    hints=[
        "Run rnnedu.explain_fast_path on the layer and read the rows whose `met` is False. "
        "Reading backwards and returning the whole sequence are allowed.",
        "Of the three arguments set away from their defaults, only one is a dropout between timesteps.",
    ],
    solution='answer = "recurrent_dropout"  # dropout between timesteps (dropout on the inputs is allowed)',
)

q2 = Exercise(
    title="Dropout on the fast path",
    question="Make a keras.Sequential that drops 20% of the input features during training, the same features "
    "at every timestep (as an LSTM's own `dropout` does), then reads them with an LSTM of 32 units that returns "
    "the whole sequence and qualifies for the fused kernel on your Keras.",
    checker=_check_dropout_model,
    hints=[
        "There are two dropout arguments; only one of them is on the list of conditions. Does your Keras list "
        "the other?",
        "keras.layers.SpatialDropout1D(0.2) drops whole features, the same at every timestep, and works before "
        "an LSTM on every Keras; where your Keras allows it, LSTM(..., dropout=0.2) alone does the same.",
    ],
    solution="import keras\n\n"
    "answer = keras.Sequential(\n"
    "    [keras.layers.SpatialDropout1D(0.2), keras.layers.LSTM(32, return_sequences=True)]\n"
    ")\n"
    "# Where your Keras allows input dropout on the fused path (3.15 does, 3.3 did not), this is accepted too:\n"
    "# answer = keras.layers.LSTM(32, return_sequences=True, dropout=0.2)",
)

q3 = Exercise(
    title="Not always faster",
    question="In the H200 measurement (rnnedu.datasets.load_kernel_results()), on which backend was the fused "
    'LSTM slower than RNN(LSTMCell) at 28 timesteps? Answer "jax" or "torch".',
    checker=expect(_slower_backend),
    hints=[
        "Look for rows with layer LSTM, timesteps 28 and a speedup below 1.",
        'table[(table["layer"] == "LSTM") & (table["timesteps"] == 28) & (table["speedup"] < 1)]["backend"]',
    ],
    solution='answer = "jax"  # its generic loop is already compiled by XLA; the fused kernel wins from 112 timesteps',
)

r1 = Reflection(
    title="Slower on one machine only",
    question="A model with keras.layers.LSTM(64) trains quickly on a GPU. You add recurrent_dropout=0.2: on the "
    "GPU an epoch becomes several times slower, on a CPU its time changes little. Explain both observations, and "
    "say what you would do before accepting the slowdown.",
    solution="On the GPU the plain LSTM ran the fused cuDNN kernel; recurrent_dropout is not on the kernel's "
    "list of conditions, so the layer silently falls back to the generic loop, one step at a time, and loses "
    "the kernel's speed. A CPU has no cuDNN: it ran the generic loop before and after, so only the small cost "
    "of the dropout itself is added. Before accepting the slowdown, check with rnnedu.explain_fast_path "
    "which condition fails (or pass use_cudnn=True to make the fallback an error), measure the cost with "
    "python -m rnnedu.bench kernels, and try regularising another way that keeps the kernel: input dropout, "
    "or a SpatialDropout1D before the layer.",
)
