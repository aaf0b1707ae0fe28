"""Why a recurrent layer does, or does not, run on the fused cuDNN kernel.

`keras.layers.LSTM` and `keras.layers.GRU` hand the whole sequence to one
fused cuDNN kernel when a GPU is present and the layer meets a list of
conditions; otherwise they loop over the timesteps like any
`keras.layers.RNN(cell)`. `explain_fast_path(layer)` says which conditions a
layer meets. It reads them from the installed Keras rather than from a list
of our own: the numbered requirements in the layer class's docstring, the
layer's defaults, and the TensorFlow backend's own checks
(`keras.src.backend.tensorflow.rnn`), so the table follows Keras when it
changes. The rules are those of the TensorFlow backend, the course's; the
JAX and PyTorch backends of Keras 3 have fused paths of their own.
"""

import contextlib
import importlib
import inspect
import re

import numpy as np
import pandas as pd

from rnnedu._validate import check_mask, check_str, describe

__all__ = ["CUDNN_FUNCTIONS", "explain_fast_path", "mask_rows", "stated_conditions", "watch_cudnn_calls"]

COLUMNS = ["condition", "source", "about", "found", "met"]
REQUIREMENTS_HEADING = "The requirements to use the cuDNN implementation are:"
ARGUMENTS = ("activation", "recurrent_activation", "unroll", "use_bias", "reset_after")
# Where each backend's fused layers reach cuDNN: (module, function) pairs, watched by `watch_cudnn_calls`.
CUDNN_FUNCTIONS = {
    "tensorflow": [
        ("keras.src.backend.tensorflow.rnn", "_cudnn_lstm"),
        ("keras.src.backend.tensorflow.rnn", "_cudnn_gru"),
    ],
    "torch": [("keras.src.backend.torch.rnn", "_cudnn_lstm"), ("keras.src.backend.torch.rnn", "_cudnn_gru")],
    "jax": [("jax.experimental.rnn", "lstm")],
}


def stated_conditions(layer_class):
    """Return the cuDNN requirements that a Keras layer class's docstring lists.

    Args:
        layer_class: `keras.layers.LSTM` or `keras.layers.GRU` (or a subclass).

    Returns:
        list of str, one per numbered requirement, in Keras's words and order.

    Example:
    >>> import keras
    >>> stated_conditions(keras.layers.LSTM)[:2]
    ['`activation` == `tanh`', '`recurrent_activation` == `sigmoid`']
    """
    family = _family(layer_class) if isinstance(layer_class, type) else None
    if family is None:
        raise TypeError(f"`layer_class` must be keras.layers.LSTM or keras.layers.GRU, got {describe(layer_class)}.")
    text = inspect.getdoc(family) or ""
    if REQUIREMENTS_HEADING not in text:
        raise RuntimeError(f"The docstring of {family.__name__} no longer lists its cuDNN requirements.")
    listed = text.split(REQUIREMENTS_HEADING, 1)[1].strip().split("\n\n", 1)[0]
    return [re.sub(r"\s+", " ", item).strip() for item in re.split(r"^\d+\.\s+", listed, flags=re.M) if item.strip()]


def explain_fast_path(layer, mask=None):
    """Tabulate the conditions of the fused cuDNN kernel and whether `layer` meets each.

    Args:
        layer: a Keras recurrent layer; only `keras.layers.LSTM` and
            `keras.layers.GRU` have a fused kernel. For a Bidirectional
            layer, explain each direction (`layer.forward_layer`).
        mask: None, or the boolean mask the layer will be called with,
            shape (batch_size, timesteps): True where a timestep is real.

    Returns:
        pandas.DataFrame, one row per condition (columns condition, source,
        about, found, met). `about` says what a condition depends on: the
        layer's arguments ("layer"), the input ("input") or the machine
        ("environment"). Two verdict rows close it: whether the layer
        qualifies (every layer and input condition met: it would use cuDNN
        on a GPU), and whether it uses the cuDNN kernel here. The same
        verdicts are in `table.attrs` ("qualifies", "uses_cudnn", "verdict").

    Example:
    >>> import keras
    >>> table = explain_fast_path(keras.layers.LSTM(8, unroll=True))
    >>> table.attrs["qualifies"]
    False
    >>> table.loc[table["met"].eq(False), "condition"].iloc[0]
    '`unroll` is `False`'
    """
    import keras

    if not isinstance(layer, keras.layers.Layer):
        raise TypeError(f"`layer` must be a Keras layer, got {describe(layer)}.")
    if isinstance(layer, keras.layers.Bidirectional):
        raise ValueError(
            "`layer` is a Bidirectional wrapper, which runs two layers: explain each direction, "
            "e.g. explain_fast_path(layer.forward_layer) and explain_fast_path(layer.backward_layer)."
        )
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            "explain_fast_path reads the TensorFlow backend's cuDNN checks, but Keras runs on "
            f"{keras.backend.backend()!r} here; set KERAS_BACKEND=tensorflow."
        )
    mask = check_mask("mask", mask)
    family = _family(type(layer))
    if family is None:
        rows = [
            _row(
                "the layer is keras.layers.LSTM or keras.layers.GRU",
                "LSTM, GRU inner_loop",
                "layer",
                type(layer).__name__,
                False,
            )
        ]
    else:
        rows = [
            _stated_row(layer, family, number, text, mask) for number, text in enumerate(stated_conditions(family), 1)
        ]
        rows.append(
            _row(
                "`use_cudnn` is 'auto' or True",
                f"{family.__name__}.inner_loop",
                "layer",
                repr(layer.use_cudnn),
                layer.use_cudnn in ("auto", True),
            )
        )
    gpu = bool(_tf_rnn()._is_gpu_available())
    rows.append(_row("a GPU is visible to TensorFlow", "TF backend cudnn_ok", "environment", _gpu_text(), gpu))
    return _with_verdict(rows, layer)


def mask_rows(mask):
    """Per row of a mask, the two things the fused kernel asks of it: right-padded, and not all masked.

    The one home of the right-padding rule: a row is right-padded when its
    real steps come first and its masked steps after them (padding="post"),
    as the TensorFlow backend checks before it calls cuDNN
    (`_is_sequence_right_padded`); a row with no real step is fully masked
    (`_has_fully_masked_sequence`).

    Args:
        mask: boolean array-like of shape (batch_size, timesteps), True where a timestep is real.

    Returns:
        (right_padded, fully_masked): two bool arrays of shape (batch_size,).

    Example:
    >>> right, empty = mask_rows([[1, 1, 0], [0, 1, 1], [0, 0, 0]])
    >>> right.tolist(), empty.tolist()
    ([True, False, True], [False, False, True])
    """
    mask = check_mask("mask", mask)
    counts = mask.sum(axis=1)
    real_first = np.arange(mask.shape[1])[None, :] < counts[:, None]
    return np.all(mask == real_first, axis=1), counts == 0


def watch_cudnn_calls(backend):
    """Record each successful call of a backend's cuDNN functions while the block runs.

    It wraps the functions listed in `CUDNN_FUNCTIONS[backend]` (where Keras's
    fused layers reach cuDNN) and restores them on exit; a backend whose module
    cannot be imported is watched for nothing.

    Args:
        backend: str, "tensorflow", "torch" or "jax" (any other name watches nothing).

    Returns:
        a context manager whose value is the list of the names called, in order.

    Example:
    >>> import keras
    >>> with watch_cudnn_calls("tensorflow") as calls:
    ...     _ = keras.layers.LSTM(2)(np.zeros((1, 3, 1), "float32"))
    >>> calls  # no GPU here: the generic kernel ran
    []
    """
    return _watch(check_str("backend", backend))


@contextlib.contextmanager
def _watch(backend):
    calls, patched = [], []
    for module_name, name in CUDNN_FUNCTIONS.get(backend, []):
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # then Keras cannot reach that function either
            continue
        original = getattr(module, name)

        def watched(*args, _original=original, _name=name, **kwargs):
            result = _original(*args, **kwargs)
            calls.append(_name)
            return result

        setattr(module, name, watched)
        patched.append((module, name, original))
    try:
        yield calls
    finally:
        for module, name, original in patched:
            setattr(module, name, original)


def _stated_row(layer, family, number, text, mask):
    source = f"{family.__name__} docstring, item {number}"
    argument = re.match(r"`(\w+)`", text)
    if argument and argument.group(1) in ARGUMENTS:
        name = argument.group(1)
        value = getattr(layer, name)
        return _row(text, source, "layer", getattr(value, "__name__", repr(value)), _backend_accepts(layer, name))
    zeros = re.findall(r"`(\w+)` == 0", text)
    if zeros:
        # e.g. `recurrent_dropout` == 0: LSTM.inner_loop and GRU.inner_loop try the fused kernel only
        # `if not self.recurrent_dropout` (Keras 3.3 also asked `not self.dropout`).
        found = ", ".join(f"{name}={getattr(layer, name)!r}" for name in zeros)
        return _row(text, source, "layer", found, not any(getattr(layer, name) for name in zeros))
    if "mask" in text.lower():
        return _mask_row(text, source, mask)
    if "eager" in text.lower():
        import tensorflow as tf

        eager = tf.compat.v1.executing_eagerly_outside_functions()
        return _row(text, source, "environment", "eager" if eager else "graph (TF1 style)", eager)
    return _row(text, source, "layer", "not checked by rnnedu: read it in the Keras docs", None)


def _backend_accepts(layer, name):
    """Ask the TensorFlow backend's own argument check about one argument, the others at their defaults."""
    import keras

    family = _family(type(layer))
    defaults = inspect.signature(family).parameters
    arguments = {key: defaults[key].default for key in ARGUMENTS if key in defaults}
    for key in ("activation", "recurrent_activation"):
        arguments[key] = keras.activations.get(arguments[key])
    arguments[name] = getattr(layer, name)
    rnn = _tf_rnn()
    if "reset_after" in arguments:
        return bool(rnn._do_gru_arguments_support_cudnn(**arguments))
    return bool(rnn._do_lstm_arguments_support_cudnn(**arguments))


def _mask_row(text, source, mask):
    if mask is None:
        return _row(text, source, "input", "no mask", True)
    right_padded, fully_masked = mask_rows(mask)
    if fully_masked.any():
        return _row(text, source, "input", "a sequence is fully masked", False)
    right_padded = bool(right_padded.all())
    return _row(text, source, "input", "right-padded" if right_padded else "not right-padded", right_padded)


def _with_verdict(rows, layer):
    failed = [row["condition"] for row in rows if row["met"] is not True and row["about"] != "environment"]
    qualifies = not failed
    uses_cudnn = all(row["met"] is True for row in rows)
    if uses_cudnn:
        verdict = "cuDNN kernel: the layer qualifies and a GPU is visible"
    elif qualifies:
        missing = [row["condition"] for row in rows if row["met"] is not True]
        verdict = f"generic kernel here (not met: {'; '.join(missing)}), but the layer qualifies: cuDNN on a GPU"
    else:
        verdict = f"generic kernel: the layer does not qualify (not met: {'; '.join(failed)})"
    if getattr(layer, "use_cudnn", None) is True and not uses_cudnn:
        verdict += "; with use_cudnn=True Keras raises a ValueError when the layer runs"
    found = "yes: cuDNN on a GPU" if qualifies else f"no: {len(failed)} not met"
    rows.append(_row("the layer qualifies (every layer and input condition)", "rnnedu", "verdict", found, qualifies))
    found = "fused cuDNN kernel" if uses_cudnn else "generic kernel"
    rows.append(_row("the layer uses the cuDNN kernel here", "rnnedu", "verdict", found, uses_cudnn))
    table = pd.DataFrame(rows, columns=COLUMNS)
    table.attrs.update(qualifies=qualifies, uses_cudnn=uses_cudnn, verdict=verdict)
    return table


def _row(condition, source, about, found, met):
    return {"condition": condition, "source": source, "about": about, "found": found, "met": met}


def _family(layer_class):
    import keras

    for family in (keras.layers.GRU, keras.layers.LSTM):
        if issubclass(layer_class, family):
            return family
    return None


def _gpu_text():
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    return f"{len(gpus)} GPU" + ("" if len(gpus) == 1 else "s")


def _tf_rnn():
    return importlib.import_module("keras.src.backend.tensorflow.rnn")
