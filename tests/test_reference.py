import keras
import numpy as np
import pytest

from rnnedu.reference import trace

LAYERS = {"SimpleRNN": keras.layers.SimpleRNN, "LSTM": keras.layers.LSTM, "GRU": keras.layers.GRU}


def random_configuration(seed):
    """A random layer configuration, input batch, mask and initial state, all from one seed."""
    rng = np.random.default_rng(seed)
    name = ["SimpleRNN", "LSTM", "GRU"][seed % 3]
    units, features, timesteps, batch_size = (int(v) for v in rng.integers(1, 9, size=4))
    kwargs = {
        "activation": str(rng.choice(["tanh", "relu", "softsign", "linear"])),
        "use_bias": bool(rng.random() < 0.7),
        "go_backwards": bool(rng.random() < 0.3),
        "return_sequences": bool(rng.random() < 0.5),
        "bias_initializer": "glorot_uniform",  # non-zero biases, so a wrong bias would show
    }
    if name != "SimpleRNN":
        kwargs["recurrent_activation"] = str(rng.choice(["sigmoid", "hard_sigmoid"]))
    if name == "GRU":
        kwargs["reset_after"] = bool(rng.random() < 0.5)
    x = rng.normal(size=(batch_size, timesteps, features)).astype("float32")
    mask = rng.random((batch_size, timesteps)) < 0.75 if rng.random() < 0.4 else None
    states = 2 if name == "LSTM" else 1
    initial_state = (
        [rng.normal(size=(batch_size, units)).astype("float32") for _ in range(states)] if rng.random() < 0.4 else None
    )
    return name, units, kwargs, x, mask, initial_state


@pytest.mark.parametrize("seed", range(90))
def test_trace_equals_keras_for_random_configurations(seed):
    name, units, kwargs, x, mask, initial_state = random_configuration(seed)
    keras.utils.set_random_seed(seed)
    layer = LAYERS[name](units, return_state=True, **kwargs)
    call_kwargs = {"mask": mask} if mask is not None else {}
    if initial_state is not None:
        call_kwargs["initial_state"] = initial_state
    output, *states = layer(x, **call_kwargs)
    result = trace(layer, x, initial_state=initial_state, mask=mask)
    np.testing.assert_allclose(result["outputs"], output, atol=1e-5)
    for ours, theirs in zip(result["states"], states):
        np.testing.assert_allclose(ours, theirs, atol=1e-5)


@pytest.mark.parametrize(
    "layer, gates",
    [
        (keras.layers.SimpleRNN(3), {"pre_activation", "h"}),
        (keras.layers.LSTM(3), {"i", "f", "g", "o", "c", "h"}),
        (keras.layers.GRU(3), {"z", "r", "candidate", "h"}),
    ],
)
def test_trace_records_every_gate_at_every_step(layer, gates):
    x = np.random.default_rng(0).normal(size=(2, 6, 4)).astype("float32")
    layer(x)
    result = trace(layer, x)
    assert gates <= set(result)
    for gate in gates:
        assert result[gate].shape == (2, 6, 3)
    assert result["projection"].shape == (2, 6, layer.cell.kernel.shape[1])


def test_trace_gates_obey_the_lstm_equations():
    layer = keras.layers.LSTM(4, return_sequences=True)
    x = np.random.default_rng(1).normal(size=(2, 5, 3)).astype("float32")
    layer(x)
    r = trace(layer, x)
    assert np.all((r["i"] > 0) & (r["i"] < 1) & (r["f"] > 0) & (r["f"] < 1))
    np.testing.assert_allclose(r["h"], r["o"] * np.tanh(r["c"]), atol=1e-6)
    np.testing.assert_allclose(r["c"][:, 1:], r["f"][:, 1:] * r["c"][:, :-1] + r["i"][:, 1:] * r["g"][:, 1:], atol=1e-6)


@pytest.mark.slow
def test_trace_works_on_a_cell_and_on_long_sequences():
    cell = keras.layers.LSTMCell(8)
    layer = keras.layers.RNN(cell, return_sequences=True)
    x = np.random.default_rng(2).normal(size=(4, 1000, 3)).astype("float32")
    expected = layer(x)  # builds the layer and its cell
    np.testing.assert_allclose(trace(layer, x)["outputs"], expected, atol=1e-4)
    assert trace(cell, x)["h"].shape == (4, 1000, 8)


def built(layer, features=3):
    layer.build((None, 5, features))
    return layer


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: trace(keras.layers.Dense(3), np.zeros((1, 2, 3))), TypeError, "SimpleRNN, GRU or LSTM"),
        (lambda: trace(keras.layers.LSTM(3), np.zeros((1, 2, 3))), ValueError, "not built yet"),
        (lambda: trace(built(keras.layers.LSTM(3)), np.zeros((2, 3))), ValueError, "`x` must have shape"),
        (lambda: trace(built(keras.layers.LSTM(3)), np.zeros((1, 2, 4))), ValueError, "`x` must have 3 features"),
        (
            lambda: trace(built(keras.layers.LSTM(3)), np.zeros((1, 2, 3)), initial_state=[np.zeros((1, 3))]),
            ValueError,
            r"`initial_state` must be a list \[h, c\]",
        ),
        (
            lambda: trace(built(keras.layers.GRU(3)), np.zeros((1, 2, 3)), mask=np.ones((1, 3))),
            ValueError,
            "`mask` must have shape",
        ),
        (
            lambda: trace(built(keras.layers.SimpleRNN(3, activation="gelu")), np.zeros((1, 2, 3))),
            ValueError,
            "`activation` 'gelu' has no NumPy reference",
        ),
    ],
)
def test_bad_input_gives_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
