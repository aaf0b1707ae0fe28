"""Parallel RNNs: minGRU and minLSTM, computed step by step or all at once with a scan.

Feng et al., "Were RNNs All We Needed?" (2024, arXiv 2410.01201) take the
hidden state out of the gates of GRU and LSTM. What is left is a linear
recurrence in which every coefficient depends on the input alone:

    h_t = a_t * h_{t-1} + b_t

minGRU:  z_t = sigmoid(x_t W_z + b_z), a_t = 1 - z_t, b_t = z_t * g(x_t W_h + b_h)
minLSTM: f_t = sigmoid(x_t W_f + b_f), i_t = sigmoid(x_t W_i + b_i),
         a_t = f_t / (f_t + i_t),      b_t = i_t / (f_t + i_t) * g(x_t W_h + b_h)

with g(v) = v + 0.5 for v >= 0 and sigmoid(v) below, which keeps b_t positive.
Because combining two steps of such a recurrence gives another step of the
same form, an associative scan computes all T states in O(log T) rounds of
parallel work (`keras.ops.associative_scan`, Keras 3.5 and newer) instead of
T rounds one after another. The scan works on log a_t and log b_t, as Heinsen
(arXiv 2311.06281) proposes, so long products of gates neither underflow nor
lose precision. With TensorFlow before Keras 3.15, whose `associative_scan`
recurses without end inside a graph, the scan is Heinsen's own: a cumulative
sum and a cumulative logsumexp, also parallel, and agreeing with the loop
within about 1e-4 over 500 steps (float32 cancellation), where
`associative_scan` agrees within 2e-5.

Each layer computes the same function both ways: `parallel=True` scans,
`parallel=False` runs its cell in the `keras.layers.RNN` loop, one step at a
time, like `GRU` does.
"""

import keras
from keras import ops

from rnnedu._validate import check_bool, check_int

__all__ = ["MinGRU", "MinGRUCell", "MinLSTM", "MinLSTMCell", "has_associative_scan"]

# The smallest Keras with keras.ops.associative_scan.
SCAN_KERAS_VERSION = "3.5.0"
# log(0) stands in for a masked step's b_t: finite, so that gradients stay finite too.
_LOG_ZERO = -1e30
# Before Keras 3.15 (found on Colab's 3.13.2), the TensorFlow backend's associative_scan raises RecursionError inside
# a graph (fit, predict); there the scan is Heinsen's: a cumulative sum and a cumulative logsumexp, both prefix scans.
_TF_SCAN_KERAS_VERSION = (3, 15)


def has_associative_scan():
    """Return whether the installed Keras has `keras.ops.associative_scan` (Keras 3.5 and newer).

    Returns:
        bool: True when the parallel form of `MinGRU` and `MinLSTM` can run.

    Example:
    >>> has_associative_scan()
    True
    """
    return hasattr(ops, "associative_scan")


@keras.saving.register_keras_serializable(package="rnnedu")
class MinGRUCell(keras.layers.Layer):
    """One step of minGRU: h = (1 - z) * h_prev + z * g(candidate), gates from the input alone.

    Args:
        units: int >= 1, the size of the state and output.
        kernel_initializer: initializer of the input kernel, shape (features, 2 * units):
            the update gate z's columns, then the candidate's.
        bias_initializer: initializer of the bias, shape (2 * units,).
        **kwargs: passed to `keras.layers.Layer`.

    Returns:
        Called on (inputs, [h_prev]), the output h and the new states [h].

    Example:
    >>> import numpy as np
    >>> layer = keras.layers.RNN(MinGRUCell(3))
    >>> tuple(layer(np.ones((2, 5, 4), "float32")).shape)
    (2, 3)
    """

    gates = 2

    def __init__(self, units, kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.units = check_int("units", units, min_value=1, max_value=2**16)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        features = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(features, self.gates * self.units), initializer=self.kernel_initializer, name="kernel"
        )
        self.bias = self.add_weight(shape=(self.gates * self.units,), initializer=self.bias_initializer, name="bias")

    def call(self, inputs, states):
        h_prev = states[0] if isinstance(states, (list, tuple)) else states
        a, b = self.coefficients(ops.matmul(inputs, self.kernel) + self.bias)
        h = a * h_prev + b
        return h, [h]

    def coefficients(self, projection):
        """Return a_t and b_t of h_t = a_t * h_{t-1} + b_t from the input projection x_t W + b."""
        k_z, k_h = ops.split(projection, self.gates, axis=-1)
        z = ops.sigmoid(k_z)
        return 1.0 - z, z * _g(k_h)

    def log_coefficients(self, projection):
        """Return log a_t and log b_t, computed without forming the gates (stable for any input)."""
        k_z, k_h = ops.split(projection, self.gates, axis=-1)
        return -ops.softplus(k_z), -ops.softplus(-k_z) + _log_g(k_h)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }


@keras.saving.register_keras_serializable(package="rnnedu")
class MinLSTMCell(MinGRUCell):
    """One step of minLSTM: h = f' * h_prev + i' * g(candidate), with f' + i' = 1, gates from the input alone.

    Args:
        units: int >= 1, the size of the state and output.
        kernel_initializer: initializer of the input kernel, shape (features, 3 * units):
            the forget gate f's columns, the input gate i's, then the candidate's.
        bias_initializer: initializer of the bias, shape (3 * units,).
        **kwargs: passed to `keras.layers.Layer`.

    Returns:
        Called on (inputs, [h_prev]), the output h and the new states [h].

    Example:
    >>> import numpy as np
    >>> layer = keras.layers.RNN(MinLSTMCell(3))
    >>> tuple(layer(np.ones((2, 5, 4), "float32")).shape)
    (2, 3)
    """

    gates = 3

    def coefficients(self, projection):
        k_f, k_i, k_h = ops.split(projection, self.gates, axis=-1)
        f, i = ops.sigmoid(k_f), ops.sigmoid(k_i)
        return f / (f + i), i / (f + i) * _g(k_h)

    def log_coefficients(self, projection):
        k_f, k_i, k_h = ops.split(projection, self.gates, axis=-1)
        # log f' = log f - log(f + i) = -softplus(d) and log i' = -softplus(-d), d = softplus(-k_f) - softplus(-k_i).
        d = ops.softplus(-k_f) - ops.softplus(-k_i)
        return -ops.softplus(d), -ops.softplus(-d) + _log_g(k_h)


class _ParallelRNN(keras.layers.RNN):
    """A `keras.layers.RNN` over a minGRU/minLSTM cell whose loop can be replaced by a scan."""

    cell_class = None

    def __init__(
        self,
        units,
        parallel=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        zero_output_for_mask=False,
        **kwargs,
    ):
        self.parallel = check_bool("parallel", parallel)
        if self.parallel and not has_associative_scan():
            raise RuntimeError(
                f"{type(self).__name__}(parallel=True) needs keras.ops.associative_scan, which Keras "
                f"{SCAN_KERAS_VERSION} added; this is Keras {keras.__version__}. Upgrade Keras, or pass "
                "parallel=False to run the same layer one step at a time."
            )
        cell = self.cell_class(units, kernel_initializer=kernel_initializer, bias_initializer=bias_initializer)
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            zero_output_for_mask=zero_output_for_mask,
            **kwargs,
        )
        if self.parallel and keras.backend.backend() == "tensorflow":
            # The TensorFlow backend's associative_scan fails to compile with XLA for more than two steps
            # ("Cannot concatenate arrays that differ in dimensions", Keras 3.15.1, TensorFlow 2.21), so a
            # model holding this layer trains as a TensorFlow graph without XLA, as Keras does for cuDNN layers.
            self.supports_jit = False

    @property
    def units(self):
        return self.cell.units

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if not self.parallel:
            return super().inner_loop(sequences, initial_state, mask, training=training)
        h0 = initial_state[0] if isinstance(initial_state, (list, tuple)) else initial_state
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if self.go_backwards:
            sequences = ops.flip(sequences, axis=1)
            mask = None if mask is None else ops.flip(mask, axis=1)
        states = _scan(self.cell, sequences, h0, mask)
        if mask is None or (keras.backend.backend() == "jax" and not self.zero_output_for_mask):
            # JAX's RNN loop outputs the previous state at a masked step, the initial state before the first real one.
            return states[:, -1], states, [states[:, -1]]
        # TensorFlow's and PyTorch's loops output the last real step's output, zeros before the first real
        # step; with zero_output_for_mask=True every backend outputs zeros at every masked step.
        mask = ops.expand_dims(ops.cast(mask, "int32"), -1)
        shown = mask if self.zero_output_for_mask else ops.cumsum(mask, axis=1)
        outputs = ops.where(shown > 0, states, ops.zeros_like(states))
        return outputs[:, -1], outputs, [states[:, -1]]

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        cell = self.cell.get_config()
        return {
            **config,
            "units": cell["units"],
            "parallel": self.parallel,
            "kernel_initializer": cell["kernel_initializer"],
            "bias_initializer": cell["bias_initializer"],
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@keras.saving.register_keras_serializable(package="rnnedu")
class MinGRU(_ParallelRNN):
    """minGRU (Feng et al. 2024): a GRU whose gates see only the input, so a scan can compute it in parallel.

    Args:
        units: int >= 1, the size of the state and output.
        parallel: bool, True to compute every step at once with `keras.ops.associative_scan`
            (Keras >= 3.5), False to run `MinGRUCell` one step at a time in the `keras.layers.RNN` loop.
            Both give the same outputs, within float32 rounding.
        kernel_initializer: initializer of the input kernel (features, 2 * units).
        bias_initializer: initializer of the bias (2 * units,).
        return_sequences, return_state, go_backwards, stateful, zero_output_for_mask:
            as in `keras.layers.GRU`; a masked step keeps the previous state.
        **kwargs: passed to `keras.layers.RNN` (e.g. `name`).

    Returns:
        Called on (batch_size, timesteps, features) inputs: the last output (batch_size, units), or every
        output (batch_size, timesteps, units) with `return_sequences=True`, followed by the final state
        with `return_state=True`.

    Example:
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(2, 50, 4)).astype("float32")
    >>> parallel = MinGRU(8, return_sequences=True)
    >>> y = parallel(x)
    >>> sequential = MinGRU(8, parallel=False, return_sequences=True)
    >>> sequential.build(x.shape)
    >>> sequential.set_weights(parallel.get_weights())
    >>> bool(np.allclose(y, sequential(x), atol=1e-5)), parallel.count_params()
    (True, 80)
    """

    cell_class = MinGRUCell


@keras.saving.register_keras_serializable(package="rnnedu")
class MinLSTM(_ParallelRNN):
    """minLSTM (Feng et al. 2024): an LSTM whose gates see only the input and whose f and i sum to one.

    Args:
        units: int >= 1, the size of the state and output.
        parallel: bool, True to compute every step at once with `keras.ops.associative_scan`
            (Keras >= 3.5), False to run `MinLSTMCell` one step at a time in the `keras.layers.RNN` loop.
        kernel_initializer: initializer of the input kernel (features, 3 * units).
        bias_initializer: initializer of the bias (3 * units,).
        return_sequences, return_state, go_backwards, stateful, zero_output_for_mask:
            as in `keras.layers.LSTM`; a masked step keeps the previous state.
        **kwargs: passed to `keras.layers.RNN` (e.g. `name`).

    Returns:
        As `MinGRU`: there is one state, h (minLSTM has no separate cell state).

    Example:
    >>> import numpy as np
    >>> layer = MinLSTM(8)
    >>> tuple(layer(np.zeros((2, 50, 4), "float32")).shape), layer.count_params()
    ((2, 8), 120)
    """

    cell_class = MinLSTMCell


def _scan(cell, sequences, h0, mask):
    """Every state h_t of h_t = a_t * h_{t-1} + b_t, by an associative scan over log a and log b."""
    projection = ops.matmul(ops.cast(sequences, "float32"), ops.cast(cell.kernel, "float32"))
    log_a, log_b = cell.log_coefficients(projection + ops.cast(cell.bias, "float32"))
    if mask is not None:
        keep = ops.expand_dims(ops.cast(mask, "bool"), -1)
        log_a = ops.where(keep, log_a, ops.zeros_like(log_a))  # a = 1: the state passes unchanged
        log_b = ops.where(keep, log_b, ops.full_like(log_b, _LOG_ZERO))  # b = 0: nothing is added
    # Two steps (a1, b1) then (a2, b2) make one step (a1 * a2, a2 * b1 + b2); in logs:
    log_a_total, log_h = _log_scan(log_a, log_b)
    # TensorFlow's scan loses the static shape in a graph; the layers after this one need it.
    log_a_total, log_h = (ops.reshape(v, ops.shape(log_b)) for v in (log_a_total, log_h))
    # The scan starts from h = 0; the initial state enters linearly, scaled by the product of the a's.
    h = ops.exp(log_h) + ops.exp(log_a_total) * ops.expand_dims(ops.cast(h0, "float32"), 1)
    return ops.cast(h, cell.compute_dtype)


def _log_scan(log_a, log_b):
    """(log of the product of the a's so far, log h) at every step of h_t = a_t * h_{t-1} + b_t from h = 0."""
    if keras.backend.backend() == "tensorflow" and _keras_version() < _TF_SCAN_KERAS_VERSION:
        import tensorflow as tf

        log_a_total = ops.cumsum(log_a, axis=1)
        return log_a_total, log_a_total + tf.math.cumulative_logsumexp(log_b - log_a_total, axis=1)
    return ops.associative_scan(_combine, (log_a, log_b), axis=1)


def _keras_version():
    return tuple(int(part) for part in keras.__version__.split(".")[:2])


def _combine(first, second):
    log_a1, log_b1 = first
    log_a2, log_b2 = second
    return log_a1 + log_a2, ops.logaddexp(log_a2 + log_b1, log_b2)


def _g(v):
    return ops.where(v >= 0, v + 0.5, ops.sigmoid(v))


def _log_g(v):
    return ops.where(v >= 0, ops.log(ops.relu(v) + 0.5), -ops.softplus(-v))
