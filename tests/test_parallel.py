"""rnnedu.parallel: MinGRU and MinLSTM give the same outputs scanned in parallel, looped by Keras, and in NumPy."""

import keras
import numpy as np
import pytest

from rnnedu import parallel

# Every test needs the scan but test_keras_without_associative_scan_..., which checks the error a Keras without it
# gives: for real on Keras < 3.5 (the oldest-versions lane), by removing the scan from a newer one.
needs_scan = pytest.mark.skipif(
    not parallel.has_associative_scan(),
    reason=f"keras.ops.associative_scan needs Keras >= {parallel.SCAN_KERAS_VERSION}, this is {keras.__version__}",
)

LAYERS = {"MinGRU": parallel.MinGRU, "MinLSTM": parallel.MinLSTM}


def _numpy_states(name, x, kernel, bias, h0, mask):
    """The recurrence written out in NumPy, one step at a time, from the paper's equations."""

    def sigmoid(v):
        return 1 / (1 + np.exp(-v))

    def g(v):
        return np.where(v >= 0, v + 0.5, sigmoid(v))

    h, states = h0.astype(np.float64), []
    for t in range(x.shape[1]):
        k = np.split(x[:, t].astype(np.float64) @ kernel + bias, 3 if name == "MinLSTM" else 2, axis=-1)
        if name == "MinGRU":
            z = sigmoid(k[0])
            new = (1 - z) * h + z * g(k[1])
        else:
            f, i = sigmoid(k[0]), sigmoid(k[1])
            new = f / (f + i) * h + i / (f + i) * g(k[2])
        h = np.where(mask[:, t, None], new, h)
        states.append(h)
    return np.stack(states, axis=1)


def _pair(name, features, **kwargs):
    scanned = LAYERS[name](**kwargs)
    looped = LAYERS[name](parallel=False, **kwargs)
    for layer in (scanned, looped):
        layer.build((None, None, features))
    looped.set_weights(scanned.get_weights())
    return scanned, looped


CASES = [
    # (timesteps, batch_size, features, units, masked, initial_state, go_backwards, zero_output_for_mask)
    (1, 1, 1, 1, False, False, False, False),
    (2, 3, 4, 5, True, True, False, False),
    (17, 2, 3, 8, True, False, True, False),
    (64, 4, 6, 16, True, True, False, True),
    (100, 2, 5, 7, False, True, True, False),
    (513, 2, 4, 8, True, True, False, False),
    pytest.param((4096, 2, 3, 4, True, True, True, False), marks=pytest.mark.slow),
]


@needs_scan
@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("case", CASES, ids=lambda case: "T{}-B{}-F{}-U{}-mask{}-h0{}-back{}-zero{}".format(*case))
def test_parallel_scan_equals_keras_rnn_loop_and_numpy(name, case):
    timesteps, batch_size, features, units, masked, with_h0, go_backwards, zero_output = case
    rng = np.random.default_rng(timesteps + units)
    x = rng.normal(scale=2.0, size=(batch_size, timesteps, features)).astype("float32")
    mask = rng.random((batch_size, timesteps)) > 0.3 if masked else np.ones((batch_size, timesteps), bool)
    h0 = rng.normal(size=(batch_size, units)).astype("float32") if with_h0 else np.zeros((batch_size, units), "float32")
    options = dict(units=units, return_sequences=True, return_state=True, go_backwards=go_backwards)
    scanned, looped = _pair(name, features, zero_output_for_mask=zero_output, **options)
    call = dict(mask=mask if masked else None, initial_state=h0 if with_h0 else None)
    outputs, state = (keras.ops.convert_to_numpy(v) for v in scanned(x, **call))
    want_outputs, want_state = (keras.ops.convert_to_numpy(v) for v in looped(x, **call))
    np.testing.assert_allclose(outputs, want_outputs, rtol=1e-5, atol=2e-5)
    np.testing.assert_allclose(state, want_state, rtol=1e-5, atol=2e-5)
    steps = slice(None, None, -1) if go_backwards else slice(None)
    kernel, bias = (w.astype(np.float64) for w in scanned.get_weights())
    states = _numpy_states(name, x[:, steps], kernel, bias, h0, mask[:, steps])
    np.testing.assert_allclose(state, states[:, -1], rtol=1e-4, atol=1e-4)


@needs_scan
@pytest.mark.parametrize("name", LAYERS)
def test_last_output_without_return_sequences_equals_last_of_sequence(name):
    x = np.random.default_rng(1).normal(size=(3, 40, 4)).astype("float32")
    mask = np.ones((3, 40), bool)
    mask[0, 30:] = False  # right padding: the last output is step 29's
    scanned, looped = _pair(name, 4, units=6)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(scanned(x, mask=mask)), keras.ops.convert_to_numpy(looped(x, mask=mask)), atol=1e-5
    )


@needs_scan
@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="uses TensorFlow's GradientTape")
@pytest.mark.parametrize("name", LAYERS)
def test_gradients_of_both_ways_agree(name):
    import tensorflow as tf

    x = tf.constant(np.random.default_rng(2).normal(size=(2, 300, 3)).astype("float32"))
    scanned, looped = _pair(name, 3, units=5)
    grads = []
    for layer in (scanned, looped):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(x) ** 2)
        grads.append([g.numpy() for g in tape.gradient(loss, layer.trainable_weights)])
    for got, want in zip(*grads):
        assert np.isfinite(got).all()
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@needs_scan
@pytest.mark.parametrize("name, per_unit", [("MinGRU", 2), ("MinLSTM", 3)])
def test_parameter_count_is_one_kernel_and_bias_per_gate(name, per_unit):
    layer = LAYERS[name](7)
    layer.build((None, None, 5))
    assert layer.count_params() == per_unit * (5 * 7 + 7)


# Saving reads the weights through Keras's TensorFlow backend, whose np.array(x) call NumPy 2 warns about.
@needs_scan
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")
@pytest.mark.parametrize("name", LAYERS)
def test_layer_round_trips_through_its_config_and_a_saved_model(name, tmp_path):
    x = np.random.default_rng(3).normal(size=(2, 9, 3)).astype("float32")
    model = keras.Sequential([keras.Input((None, 3)), LAYERS[name](4, parallel=True, return_sequences=True)])
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.layers[0].parallel is True and loaded.layers[0].units == 4
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(model(x)), rtol=1e-6)


@needs_scan
def test_a_stateful_layer_fed_in_pieces_equals_one_pass():
    x = np.random.default_rng(4).normal(size=(2, 60, 3)).astype("float32")
    whole = parallel.MinGRU(5, return_sequences=True)
    pieces = parallel.MinGRU(5, return_sequences=True, stateful=True)
    whole.build(x.shape)
    pieces.build(x.shape)
    pieces.set_weights(whole.get_weights())
    joined = np.concatenate([keras.ops.convert_to_numpy(pieces(x[:, i : i + 20])) for i in range(0, 60, 20)], axis=1)
    np.testing.assert_allclose(joined, keras.ops.convert_to_numpy(whole(x)), rtol=1e-5, atol=1e-6)


@needs_scan
@pytest.mark.parametrize("units", [0, -1, 2.5, "8", 10**9])
def test_bad_units_are_rejected_with_the_argument_named(units):
    with pytest.raises((TypeError, ValueError), match="`units`"):
        parallel.MinGRU(units)


@needs_scan
def test_parallel_must_be_a_bool():
    with pytest.raises(TypeError, match="`parallel`"):
        parallel.MinLSTM(4, parallel="yes")


def test_keras_without_associative_scan_gets_an_error_naming_the_version(monkeypatch):
    if parallel.has_associative_scan():
        monkeypatch.delattr(keras.ops, "associative_scan")
    assert not parallel.has_associative_scan()
    for layer_class in LAYERS.values():
        with pytest.raises(
            RuntimeError, match=rf"associative_scan, which Keras 3\.5\.0 added; this is Keras {keras.__version__}"
        ):
            layer_class(4)
        looped = layer_class(4, parallel=False)  # the step-by-step form needs no scan
        assert tuple(looped(np.ones((2, 3, 5), "float32")).shape) == (2, 4)


@needs_scan
@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="a rule of the TensorFlow backend")
def test_fit_runs_the_scan_without_xla_because_tensorflow_cannot_compile_it():
    import tensorflow as tf

    @tf.function(jit_compile=True)
    def scan_with_xla(values):
        return keras.ops.associative_scan(lambda a, b: a + b, values)

    with pytest.raises(tf.errors.InvalidArgumentError, match="Cannot concatenate"):
        scan_with_xla(tf.ones(8))  # when this stops failing, MinGRU/MinLSTM may let XLA compile them again
    model = keras.Sequential([keras.Input((8, 3)), parallel.MinGRU(4), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")  # jit_compile="auto": XLA wherever every layer supports it
    history = model.fit(np.ones((4, 8, 3)), np.ones((4, 1)), verbose=0)
    assert model.jit_compile is False and np.isfinite(history.history["loss"]).all()


@needs_scan
@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="the TensorFlow backend's scan before Keras 3.15")
@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("timesteps", [1, 64, 513])
def test_cumulative_logsumexp_scan_of_older_keras_equals_the_loop(name, timesteps, monkeypatch):
    """Keras < 3.15 scans with a cumulative sum and logsumexp (Heinsen): the same states, within 2e-4 at 513 steps."""
    monkeypatch.setattr(parallel, "_TF_SCAN_KERAS_VERSION", (99, 0))  # as on Keras 3.13, Colab's
    rng = np.random.default_rng(timesteps)
    x = rng.normal(scale=2.0, size=(2, timesteps, 4)).astype("float32")
    mask = rng.random((2, timesteps)) > 0.3
    h0 = rng.normal(size=(2, 8)).astype("float32")
    scanned, looped = _pair(name, 4, units=8, return_sequences=True)
    model = keras.Sequential([keras.Input((None, 4)), scanned])  # inside a graph, where Keras 3.13's scan recursed
    scanned_outputs = keras.ops.convert_to_numpy(scanned(x, mask=mask, initial_state=h0))
    np.testing.assert_allclose(model.predict_on_batch(x), keras.ops.convert_to_numpy(scanned(x)), rtol=1e-5, atol=1e-5)
    looped_outputs = keras.ops.convert_to_numpy(looped(x, mask=mask, initial_state=h0))
    np.testing.assert_allclose(scanned_outputs, looped_outputs, rtol=2e-4, atol=2e-4)
