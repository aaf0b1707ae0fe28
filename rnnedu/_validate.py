"""Argument checks shared by the public functions of rnnedu.

Every check raises an error that names the argument, says what was expected
and shows what was given, so a learner can fix the call without reading code.
"""

import numbers


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
    _check_bounds(name, value, min_value, max_value, "a number")
    return float(value)


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
    return x.astype(np.float32)


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
