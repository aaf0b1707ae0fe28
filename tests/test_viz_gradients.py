"""rnnedu.viz.gradients: the NumPy step Jacobians equal TensorFlow's autodiff, and the view shows them."""

import itertools
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from rnnedu import reference
from rnnedu.viz import gradients
from rnnedu.viz.gradients import GradientData, gradient_data, gradient_view, plot_gradients, step_jacobians

LAYERS = {"SimpleRNN": keras.layers.SimpleRNN, "GRU": keras.layers.GRU, "LSTM": keras.layers.LSTM}
BATCH_SIZE, TIMESTEPS, FEATURES, UNITS = 3, 5, 4, 4
MASK = np.array([[1, 1, 0, 1, 1], [1, 0, 0, 1, 0], [1, 1, 1, 1, 1]], dtype=bool)


def configurations():
    """(kind, layer arguments, masked): 60 configurations over every kind, activation, bias and mask."""
    cases = []
    for activation, use_bias, masked in itertools.product(
        ["tanh", "relu", "linear", "softsign", "sigmoid"], [True, False], [False, True]
    ):
        cases.append(("SimpleRNN", {"activation": activation, "use_bias": use_bias}, masked))
    for reset_after, activation, recurrent, masked in itertools.product(
        [True, False], ["tanh", "softsign"], ["sigmoid", "hard_sigmoid"], [False, True]
    ):
        arguments = {"reset_after": reset_after, "activation": activation, "recurrent_activation": recurrent}
        cases.append(("GRU", arguments, masked))
    for reset_after, masked in itertools.product([True, False], [False, True]):
        cases.append(("GRU", {"reset_after": reset_after, "use_bias": False, "activation": "relu"}, masked))
    for activation, recurrent, masked in itertools.product(
        ["tanh", "softsign", "relu"], ["sigmoid", "hard_sigmoid"], [False, True]
    ):
        cases.append(("LSTM", {"activation": activation, "recurrent_activation": recurrent}, masked))
    for use_bias, masked in itertools.product([False], [False, True]):
        cases.append(("LSTM", {"use_bias": use_bias, "activation": "softplus"}, masked))
    return cases


CONFIGURATIONS = configurations()


def built(kind, seed=0, **arguments):
    """A layer with random (not initial) weights and biases, so every term of the Jacobian matters."""
    keras.utils.set_random_seed(seed)
    layer = LAYERS[kind](UNITS, return_state=True, **arguments)
    layer.build((None, TIMESTEPS, FEATURES))
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(scale=0.6, size=w.shape).astype("float32") for w in layer.get_weights()])
    x = rng.normal(size=(BATCH_SIZE, TIMESTEPS, FEATURES)).astype("float32")
    return layer, x


def autodiff_steps(layer, x, states, mask):
    """∂s_t/∂s_(t-1) by TensorFlow for every step at once: the Keras layer itself run one step from each state.

    The (sample, step) pairs become one batch of one-step sequences, each starting from the state that step reads.
    """
    flat = [tf.constant(s.reshape(-1, UNITS)) for s in states]
    x_steps = tf.constant(x.reshape(-1, 1, FEATURES))
    mask_steps = None if mask is None else tf.constant(mask.reshape(-1, 1))
    with tf.GradientTape(persistent=True) as tape:
        for s in flat:
            tape.watch(s)
        new = tf.concat(layer(x_steps, initial_state=flat, mask=mask_steps)[1:], axis=-1)
    jacobians = tf.concat([tape.batch_jacobian(new, s) for s in flat], axis=-1).numpy()
    return jacobians.reshape(BATCH_SIZE, TIMESTEPS, *jacobians.shape[1:])


def previous_states(layer, x, mask):
    result = reference.trace(layer, x, mask=mask)
    names = ["h", "c"] if "c" in result else ["h"]
    zeros = np.zeros((BATCH_SIZE, 1, UNITS), "float32")
    return [np.concatenate([zeros, result[name][:, :-1]], axis=1) for name in names]


def test_there_are_at_least_50_configurations_covering_every_kind_and_mask():
    assert len(CONFIGURATIONS) >= 50
    assert {kind for kind, _, _ in CONFIGURATIONS} == set(LAYERS)
    resets = {args.get("reset_after") for kind, args, _ in CONFIGURATIONS if kind == "GRU"}
    assert resets == {True, False} and {masked for *_, masked in CONFIGURATIONS} == {True, False}


@pytest.mark.parametrize(
    "kind, arguments, masked",
    CONFIGURATIONS,
    ids=[f"{k}-{'-'.join(f'{a}={v}' for a, v in args.items())}-mask={m}" for k, args, m in CONFIGURATIONS],
)
def test_step_jacobians_equal_tensorflow_autodiff(kind, arguments, masked):
    layer, x = built(kind, **arguments)
    mask = MASK if masked else None
    ours = step_jacobians(layer, x, mask=mask)
    states = previous_states(layer, x, mask)
    n = UNITS * len(states)
    assert ours.shape == (BATCH_SIZE, TIMESTEPS, n, n)
    np.testing.assert_allclose(ours, autodiff_steps(layer, x, states, mask), atol=2e-5, rtol=1e-4)
    if masked:  # a masked step carries (h, c) over: its Jacobian is the identity
        np.testing.assert_array_equal(ours[~MASK], np.broadcast_to(np.eye(n), (int((~MASK).sum()), n, n)))


def full_jacobian(layer, x, mask=None):
    """∂h_T/∂s_0 by TensorFlow through the whole sequence: the product BPTT computes."""
    count = 2 if isinstance(layer, keras.layers.LSTM) else 1
    states = [tf.zeros((len(x), UNITS)) for _ in range(count)]
    with tf.GradientTape(persistent=True) as tape:
        for s in states:
            tape.watch(s)
        h_last = layer(tf.constant(x), initial_state=states, mask=None if mask is None else tf.constant(mask))[1]
    return np.concatenate([tape.batch_jacobian(h_last, s).numpy() for s in states], axis=-1)


@pytest.mark.parametrize("kind", LAYERS)
@pytest.mark.parametrize("go_backwards", [False, True])
def test_product_of_step_jacobians_is_the_gradient_through_the_whole_sequence(kind, go_backwards):
    layer, x = built(kind, go_backwards=go_backwards)
    jacobians = step_jacobians(layer, x, mask=MASK)
    product = np.broadcast_to(np.eye(UNITS, jacobians.shape[-1]), (BATCH_SIZE, UNITS, jacobians.shape[-1]))
    for t in reversed(range(TIMESTEPS)):
        product = product @ jacobians[:, t]
    np.testing.assert_allclose(product, full_jacobian(layer, x, MASK), atol=2e-5, rtol=1e-4)
    data = gradient_data(layer, x, mask=MASK, scales=[1.0])
    np.testing.assert_allclose(data.sensitivity[0, :, 0], np.linalg.norm(product, ord=2, axis=(1, 2)), rtol=1e-6)


@pytest.mark.parametrize("kind", LAYERS)
def test_scaled_jacobians_equal_autodiff_of_a_layer_with_the_scaled_kernel(kind):
    layer, x = built(kind)
    scaled, _ = built(kind)
    scaled.cell.recurrent_kernel.assign(2.5 * layer.cell.recurrent_kernel)
    np.testing.assert_allclose(step_jacobians(layer, x, scale=2.5), step_jacobians(scaled, x), atol=1e-5, rtol=1e-5)
    before = layer.cell.recurrent_kernel.numpy().copy()
    gradient_data(layer, x, scales=[0.5, 2.5])
    np.testing.assert_array_equal(layer.cell.recurrent_kernel.numpy(), before)  # the learner's layer is untouched


def test_a_wrong_jacobian_is_caught_by_the_autodiff_comparison(monkeypatch):
    """The comparison can fail: drop the reset gate's term from the GRU Jacobian and it does."""
    layer, x = built("GRU", reset_after=True)
    original = gradients._gru_jacobians

    def without_reset_term(gates, *args):
        gates = dict(gates, h_previous=np.zeros_like(gates["h_previous"]))
        return original(gates, *args)

    monkeypatch.setattr(gradients, "_gru_jacobians", without_reset_term)
    with pytest.raises(AssertionError):
        test_step_jacobians_equal_tensorflow_autodiff("GRU", {"reset_after": True}, False)


def test_every_activation_of_the_reference_has_a_derivative():
    assert set(gradients._DERIVATIVES) == set(reference.ACTIVATIONS)
    z = np.linspace(-4, 4, 81)[np.abs(np.linspace(-4, 4, 81)) > 0.05]  # away from the kinks of relu
    for name, function in reference.ACTIVATIONS.items():
        with tf.GradientTape() as tape:
            tensor = tf.constant(z)
            tape.watch(tensor)
            y = keras.activations.get(name)(tensor)
        np.testing.assert_allclose(
            gradients._DERIVATIVES[name](function(z)), tape.gradient(y, tensor).numpy(), atol=1e-6, err_msg=name
        )


def test_linear_rnn_with_a_scaled_identity_gives_the_power_of_the_scale():
    layer = keras.layers.SimpleRNN(
        3, activation="linear", use_bias=False, recurrent_initializer=keras.initializers.Identity(1.0)
    )
    x = np.zeros((1, 20, 2), "float32")
    layer(x)
    data = gradient_data(layer, x, scales=[0.9, 1.0, 1.1])
    np.testing.assert_allclose(data.sensitivity[:, 0, 0], [0.9**20, 1.0, 1.1**20], rtol=1e-5)
    np.testing.assert_allclose(data.spectral_radius, [0.9, 1.0, 1.1], rtol=1e-6)
    np.testing.assert_allclose(data.step_norm[1], 1.0)


def test_sensitivity_is_computed_in_log_form_without_overflow():
    layer = keras.layers.SimpleRNN(2, activation="linear", use_bias=False, recurrent_initializer="identity")
    x = np.zeros((1, 1000, 1), "float32")
    layer(x[:, :2])
    data = gradient_data(layer, x, scales=[0.2, 3.0])
    assert data.sensitivity[0, 0, 0] == 0.0 or data.sensitivity[0, 0, 0] < 1e-300  # 0.2**1000 underflows to 0
    assert np.isinf(data.sensitivity[1, 0, 0]) or data.sensitivity[1, 0, 0] > 1e300
    np.testing.assert_allclose(data.sensitivity[1, 0, 900], 3.0**100, rtol=1e-4)


def lstm_model():
    keras.utils.set_random_seed(0)
    tokens = keras.Input((None,), dtype="int32")
    embedded = keras.layers.Embedding(10, 3, mask_zero=True)(tokens)
    first = keras.layers.GRU(4, return_sequences=True, name="first")(embedded)
    second = keras.layers.LSTM(3, name="second")(first)
    return keras.Model(tokens, keras.layers.Dense(2)(second))


def test_gradient_data_reads_a_layer_and_its_mask_from_a_model():
    model = lstm_model()
    tokens = np.array([[3, 4, 5, 0, 0], [1, 2, 3, 4, 5]])
    data = gradient_data(model, tokens, layer_name="second", scales=[1.0])
    assert (data.layer, data.kind, data.state) == ("second", "LSTM", "(h, c)")
    np.testing.assert_array_equal(data.mask, tokens != 0)
    assert data.sensitivity.shape == (1, 2, 6) and data.step_norm.shape == (1, 2, 5)
    np.testing.assert_allclose(data.step_norm[0, 0, 3:], 1.0)  # masked steps: identity Jacobians
    with pytest.raises(ValueError, match=r"`layer_name` is needed: the model has 2 recurrent layers \(first, second\)"):
        gradient_data(model, tokens)


def test_gradient_data_is_frozen():
    layer, x = built("GRU")
    data = gradient_data(layer, x, scales=[1.0])
    with pytest.raises(AttributeError):
        data.kind = "LSTM"
    with pytest.raises(ValueError):
        data.sensitivity[0, 0, 0] = 5.0


@pytest.mark.parametrize(
    "arguments, error, message",
    [
        ({"x": np.zeros((3, 5))}, ValueError, "`x` must have shape (batch_size, timesteps, features)"),
        ({"x": np.full((3, 5, 4), np.nan)}, ValueError, "`x` must hold finite numbers"),
        (
            {"x": np.zeros((65, 5, 4))},
            ValueError,
            "`batch_size (the first axis of `x`)` must be an integer >= 1 and <= 64",
        ),
        ({"x": np.zeros((1, 1001, 4))}, ValueError, "must be an integer >= 1 and <= 1000"),
        ({"scales": [1.0, -2.0]}, ValueError, "`scales[1]` must be a number >= 1e-06"),
        ({"scales": "big"}, TypeError, "`scales` must be a sequence of numbers > 0"),
        ({"scales": list(range(1, 70))}, ValueError, "`scales` must hold 1 to 64 numbers, got 69"),
        ({"mask": np.ones((3, 4), bool)}, ValueError, "`mask` must have shape (batch_size, timesteps) = (3, 5)"),
        ({"layer_name": "lstm"}, ValueError, "`layer_name` is only for a keras.Model"),
    ],
)
def test_bad_input_gets_a_clear_error(arguments, error, message):
    layer, x = built("LSTM")
    arguments = {"x": x} | arguments
    with pytest.raises(error, match=re.escape(message)):
        gradient_data(layer, **arguments)


def test_unknown_layers_and_unbuilt_layers_are_refused():
    with pytest.raises(TypeError, match="`layer` must be a keras.layers.SimpleRNN, GRU or LSTM"):
        gradient_data(keras.layers.Dense(3), np.zeros((1, 2, 3)))
    with pytest.raises(TypeError, match="`layer` must be a keras.layers.SimpleRNN, GRU or LSTM"):
        step_jacobians(keras.layers.Bidirectional(keras.layers.LSTM(2)), np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match="is not built yet"):
        step_jacobians(keras.layers.GRU(2), np.zeros((1, 2, 3)))
    layer = keras.layers.SimpleRNN(2, activation="elu")
    layer(np.zeros((1, 2, 3), "float32"))
    with pytest.raises(ValueError, match="'elu'"):
        step_jacobians(layer, np.zeros((1, 2, 3)))
    layer, x = built("GRU")
    with pytest.raises(ValueError, match="`scale` must be a number >= 1e-06"):
        step_jacobians(layer, x, scale=0)


def test_plot_gradients_draws_the_chosen_sample_and_scale_into_given_axes():
    from matplotlib.figure import Figure

    layer, x = built("SimpleRNN")
    data = gradient_data(layer, x, scales=[0.5, 1.0, 2.0])
    figure = Figure()
    axes = figure.subplots(1, 2)
    assert plot_gradients(data, sample=2, scale=2.0, ax=axes) is figure
    sensitivity, steps = axes[0].lines[0], axes[1].lines[0]
    np.testing.assert_allclose(sensitivity.get_ydata(), np.clip(data.sensitivity[2, 2], 1e-30, 1e30))
    np.testing.assert_array_equal(sensitivity.get_xdata(), np.arange(TIMESTEPS + 1))
    np.testing.assert_allclose(steps.get_ydata(), data.step_norm[2, 2])
    np.testing.assert_array_equal(steps.get_xdata(), np.arange(1, TIMESTEPS + 1))
    assert axes[0].get_yscale() == axes[1].get_yscale() == "log"
    assert "× 2" in figure._suptitle.get_text() and "spectral radius" in figure._suptitle.get_text()
    with pytest.raises(ValueError, match=r"`scale` must be one of the scales computed \(0.5 to 2"):
        plot_gradients(data, scale=1.5)
    with pytest.raises(ValueError, match="`ax` must be a sequence of two matplotlib Axes"):
        plot_gradients(data, ax=axes[0])
    with pytest.raises(TypeError, match="`data` must be a GradientData"):
        plot_gradients({"h": 1})


def test_view_controls_redraw_the_sample_scale_and_layer():
    model = lstm_model()
    tokens = np.array([[3, 4, 5, 0, 0], [1, 2, 3, 4, 5]])
    view = gradient_view(model, tokens, layer_name="second", scales=[0.5, 1.0, 3.0])
    assert list(view.controls) == ["layer", "sample", "scale"] and view.frame.layer == "second"
    line = view.frame.sensitivity_line
    before = view.image.value
    view.controls["scale"].value = 2
    assert view.frame.scale == 3.0 and view.image.value != before
    np.testing.assert_allclose(line.get_ydata(), np.clip(view.datas["second"].sensitivity[2, 0], 1e-30, 1e30))
    view.controls["sample"].value = 1
    np.testing.assert_allclose(line.get_ydata(), np.clip(view.datas["second"].sensitivity[2, 1], 1e-30, 1e30))
    view.controls["layer"].value = "first"
    assert view.frame.layer == "first" and "first (GRU" in view.frame.title.get_text()
    np.testing.assert_allclose(line.get_ydata(), np.clip(view.datas["first"].sensitivity[2, 1], 1e-30, 1e30))


def test_view_of_a_layer_has_no_layer_control_and_leaves_a_png():
    layer, x = built("GRU")
    view = gradient_view(layer, x, scales=[1.0, 2.0])
    assert list(view.controls) == ["sample", "scale"]
    bundle = view._repr_mimebundle_()
    assert bundle["image/png"] and "application/vnd.jupyter.widget-view+json" in bundle
    assert isinstance(view.datas[layer.name], GradientData)
