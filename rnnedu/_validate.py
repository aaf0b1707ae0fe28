"""Argument checks shared by the public functions of rnnedu.

Every check raises an error that names the argument, says what was expected
and shows what was given, so a learner can fix the call without reading code.
"""

import numbers

# The largest sizes the generators and views accept: larger requests would exhaust memory, not teach more.
MAX_COUNT = 1_000_000  # samples a generator makes in one call
MAX_TIMESTEPS = 100_000  # the length of one sequence
MAX_VALUES = 50_000_000  # numbers a generator or view holds in all (400 MB as int64)
MAX_UNITS = 4_096  # units (or features, embed_dim) of a layer a builder makes
MAX_VOCABULARY = 1_000_000  # token ids an Embedding a builder makes knows


def describe(value):
    """Return a short description of `value` for error messages: its repr and type."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def check_int(name, value, min_value=None, max_value=None):
    """Check that `value` is an integer (not a bool) within the given bounds.

    Args:
        name: the argument's name, as the caller wrote it.
        value: the value given.
        min_value: the smallest allowed value, or None.
        max_value: the largest allowed value, or None.

    Returns:
        `value` as a Python int.

    Example:
    >>> check_int("units", 4, min_value=1)
    4
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be an integer, got {describe(value)}.")
    _check_bounds(name, value, min_value, max_value, "an integer")
    return int(value)


def check_number(name, value, min_value=None, max_value=None):
    """Check that `value` is a real number (not a bool) within the given bounds.

    Args:
        name: the argument's name.
        value: the value given.
        min_value: the smallest allowed value, or None.
        max_value: the largest allowed value, or None.

    Returns:
        `value` as a Python float.

    Example:
    >>> check_number("timeout", 2)
    2.0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a number, got {describe(value)}.")
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"`{name}` must be a finite number, got {describe(value)}.")
    _check_bounds(name, value, min_value, max_value, "a number")
    return float(value)


def check_argv(argv, example):
    """Check that a command's `argv` is None or a list of strings.

    Args:
        argv: the value given to a command's `main`.
        example: str, an example of a valid `argv`, shown in the error.

    Returns:
        `argv`.

    Example:
    >>> check_argv(["gates", "--quick"], "['gates', '--quick']")
    ['gates', '--quick']
    """
    if argv is not None and (isinstance(argv, str) or not all(isinstance(a, str) for a in argv)):
        raise TypeError(f"`argv` must be a list of strings such as {example}, got {describe(argv)}.")
    return argv


def check_bool(name, value):
    """Check that `value` is True or False.

    Args:
        name: the argument's name.
        value: the value given.

    Returns:
        `value`.

    Example:
    >>> check_bool("verbose", True)
    True
    """
    if not isinstance(value, bool):
        raise TypeError(f"`{name}` must be True or False, got {describe(value)}.")
    return value


def check_choice(name, value, choices):
    """Check that `value` is one of `choices`.

    Args:
        name: the argument's name.
        value: the value given.
        choices: the allowed values.

    Returns:
        `value`.

    Example:
    >>> check_choice("padding", "pre", ("pre", "post"))
    'pre'
    """
    if not isinstance(value, str) or value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"`{name}` must be one of {allowed}; got {describe(value)}.")
    return value


def check_str(name, value):
    """Check that `value` is a non-empty string.

    Args:
        name: the argument's name.
        value: the value given.

    Returns:
        `value`.

    Example:
    >>> check_str("title", "Question 1")
    'Question 1'
    """
    if not isinstance(value, str) or not value.strip():
        raise TypeError(f"`{name}` must be a non-empty string, got {describe(value)}.")
    return value


def check_built(name, layer):
    """Check that a Keras layer is built, so that its weights exist.

    Args:
        name: the argument's name.
        layer: the layer given.

    Returns:
        `layer`.

    Example:
    >>> import keras
    >>> check_built("layer", keras.layers.Dense(2, name="dense_example"))
    Traceback (most recent call last):
    ...
    ValueError: `layer` dense_example is not built yet: call it on data or build it first.
    """
    if not layer.built:
        raise ValueError(f"`{name}` {layer.name} is not built yet: call it on data or build it first.")
    return layer


def check_sequences(name, x, features):
    """Check that `x` is a batch of sequences with the number of features a layer was built for.

    Args:
        name: the argument's name.
        x: the value given, array-like.
        features: the number of features the layer expects.

    Returns:
        `x` as a float32 NumPy array of shape (batch_size, timesteps, features).

    Example:
    >>> check_sequences("x", [[[1, 2]]], features=2).shape
    (1, 1, 2)
    """
    import numpy as np

    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(
            f"`{name}` must have shape (batch_size, timesteps, features), got an array of shape {x.shape}."
        )
    if x.shape[-1] != features:
        raise ValueError(f"`{name}` must have {features} features (the layer was built for them), got {x.shape[-1]}.")
    return check_finite(name, x)


def check_finite(name, values):
    """Check that `values` holds real, finite numbers (no NaN or infinity), as every view needs.

    Args:
        name: the argument's name.
        values: the value given, array-like.

    Returns:
        `values` as a float32 NumPy array.

    Example:
    >>> check_finite("x", [1.0, float("nan")])
    Traceback (most recent call last):
    ...
    ValueError: `x` must hold finite numbers, got 1 NaN or infinite value(s) among 2.
    """
    import numpy as np

    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must hold numbers, got {describe(values)}.") from None
    bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
    if bad:
        raise ValueError(f"`{name}` must hold finite numbers, got {bad} NaN or infinite value(s) among {array.size}.")
    if np.abs(array).max(initial=0.0) > np.finfo(np.float32).max:
        raise ValueError(f"`{name}` must hold numbers within float32's range (|value| <= 3.4e38).")
    return array.astype(np.float32)


def check_total(names, total, limit=MAX_VALUES):
    """Check that a product of sizes (e.g. n × timesteps) stays within `limit` numbers.

    Args:
        names: the arguments whose product it is, e.g. "n × timesteps".
        total: the product.
        limit: the largest total allowed.

    Returns:
        `total`.

    Example:
    >>> check_total("`n` × `timesteps`", 10**9)
    Traceback (most recent call last):
    ...
    ValueError: `n` × `timesteps` must be <= 50,000,000 (it sets how many numbers are made), got 1,000,000,000.
    """
    if total > limit:
        raise ValueError(f"{names} must be <= {limit:,} (it sets how many numbers are made), got {total:,}.")
    return total


def check_model_inputs(name, model):
    """Check that a Keras model has defined inputs (it starts from keras.Input, or was built on data).

    Args:
        name: the argument's name.
        model: the value given.

    Returns:
        the list of the model's input tensors.

    Example:
    >>> import keras
    >>> check_model_inputs("model", keras.Sequential([keras.Input((3, 2)), keras.layers.Dense(4)]))[0].shape
    (None, 3, 2)
    """
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"`{name}` must be a keras.Model (Sequential or functional), got {describe(model)}.")
    try:
        inputs = model.inputs if model.built else None
    except (AttributeError, ValueError):  # a Sequential without an Input has no inputs to read
        inputs = None
    if not inputs:
        raise ValueError(
            f"`{name}` {model.name} has no defined inputs: start it with keras.Input(shape=...), "
            "e.g. keras.Sequential([keras.Input((timesteps, features)), ...])."
        )
    return list(inputs)


def check_axes(name, ax, count, what):
    """Check that `ax` is `count` matplotlib Axes to draw into: one Axes, or a sequence of them.

    Args:
        name: the argument's name.
        ax: the value given.
        count: how many Axes the plot draws into.
        what: what each Axes is for, e.g. "one per backend".

    Returns:
        list of the Axes.

    Example:
    >>> from matplotlib.figure import Figure
    >>> len(check_axes("ax", Figure().subplots(1, 2), 2, "one per panel"))
    2
    """
    import numpy as np
    from matplotlib.axes import Axes

    axes = [ax] if isinstance(ax, Axes) else list(ax) if isinstance(ax, (list, tuple, np.ndarray)) else None
    if axes is None or len(axes) != count or not all(isinstance(a, Axes) for a in axes):
        raise TypeError(f"`{name}` must be None or a sequence of {count} matplotlib Axes ({what}), got {describe(ax)}.")
    return axes


def check_mask(name, mask, shape=None):
    """Check that `mask` is None or a boolean mask over (batch_size, timesteps).

    Args:
        name: the argument's name.
        mask: the value given: None, or array-like of True/False (or 1/0),
            True where a timestep is real.
        shape: the (batch_size, timesteps) it must have, or None for any 2-D shape.

    Returns:
        None, or `mask` as a NumPy bool array.

    Example:
    >>> check_mask("mask", [[1, 1, 0]], shape=(1, 3))
    array([[ True,  True, False]])
    """
    import numpy as np

    if mask is None:
        return None
    mask = np.asarray(mask)
    wanted = "(batch_size, timesteps)" + ("" if shape is None else f" = {tuple(shape)}")
    if mask.ndim != 2 or (shape is not None and mask.shape != tuple(shape)):
        raise ValueError(f"`{name}` must have shape {wanted}, got an array of shape {mask.shape}.")
    if mask.dtype != bool and not np.isin(mask, (0, 1)).all():
        raise ValueError(f"`{name}` must hold True (a real step) and False (a masked step), or 1 and 0.")
    return mask.astype(bool)


def _check_bounds(name, value, min_value, max_value, kind):
    if (min_value is not None and value < min_value) or (max_value is not None and value > max_value):
        low = "" if min_value is None else f" >= {min_value}"
        high = "" if max_value is None else f" <= {max_value}"
        joiner = " and" if low and high else ""
        raise ValueError(f"`{name}` must be {kind}{low}{joiner}{high}, got {describe(value)}.")
