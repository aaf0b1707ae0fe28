"""rnnedu.models builds the models the notebooks describe, checked against Keras's own layers."""

import keras
import numpy as np
import pytest

from rnnedu import models

RNG = np.random.default_rng(0)


def test_sequence_classifier_default_is_the_guides_first_model():
    model = models.sequence_classifier()
    model.build((None, None))
    counts = [layer.count_params() for layer in model.layers]
    assert [layer.__class__.__name__ for layer in model.layers] == ["Embedding", "LSTM", "Dense"]
    assert counts == [64_000, 98_816, 1_290]


def test_sequence_classifier_keeps_the_given_layers_in_order():
    gru, simple = keras.layers.GRU(256, return_sequences=True), keras.layers.SimpleRNN(128)
    model = models.sequence_classifier(gru, simple, vocab_size=50, embed_dim=8, num_classes=3)
    assert model.layers[1:3] == [gru, simple]
    assert tuple(model(np.zeros((2, 7), "int32")).shape) == (2, 3)


@pytest.mark.parametrize("layer", ["LSTM", "GRU"])
def test_mnist_rows_classifier_fused_and_generic_compute_the_same(layer):
    fused = models.mnist_rows_classifier(8, layer=layer)
    generic = models.mnist_rows_classifier(8, layer=layer, fused=False)
    generic.set_weights(fused.get_weights())
    x = RNG.random((3, 28, 28)).astype("float32")
    assert isinstance(generic.layers[0], keras.layers.RNN)
    assert generic.layers[0].cell.__class__.__name__ == f"{layer}Cell"
    np.testing.assert_allclose(fused.predict(x, verbose=0), generic.predict(x, verbose=0), atol=1e-5)


@pytest.mark.parametrize("layer", ["LSTM", "GRU"])
def test_encoder_decoder_step_by_step_equals_the_teacher_forced_model(layer):
    model, encoder, decoder = models.encoder_decoder(9, 11, embed_dim=4, units=6, layer=layer)
    source = RNG.integers(0, 9, size=(3, 5)).astype("int32")
    target = RNG.integers(0, 11, size=(3, 4)).astype("int32")
    whole = model.predict([source, target], verbose=0)
    states = encoder.predict(source, verbose=0)
    states = states if layer == "LSTM" else [states]  # Keras returns a one-output model's output alone
    assert len(states) == (2 if layer == "LSTM" else 1)
    for step in range(target.shape[1]):
        logits, *states = decoder.predict([target[:, step : step + 1], *states], verbose=0)
        np.testing.assert_allclose(logits[:, 0], whole[:, step], atol=1e-5)


def test_encoder_decoder_shares_layers_between_its_three_models():
    model, encoder, decoder = models.encoder_decoder(9, 11, units=6)
    assert encoder.get_layer("encoder") is model.get_layer("encoder")
    assert decoder.get_layer("decoder") is model.get_layer("decoder")
    assert decoder.get_layer("classifier") is model.get_layer("classifier")


def test_stateful_forecaster_in_pieces_equals_one_pass():
    model = models.stateful_forecaster(batch_size=2, units=5)
    twin = keras.Sequential(
        [keras.Input((None, 1)), keras.layers.LSTM(5, return_sequences=True), keras.layers.Dense(1)]
    )
    twin.set_weights(model.get_weights())
    x = RNG.normal(size=(2, 30, 1)).astype("float32")
    pieces = [model.predict(piece, batch_size=2, verbose=0) for piece in np.split(x, 3, axis=1)]
    np.testing.assert_allclose(np.concatenate(pieces, axis=1), twin.predict(x, verbose=0), atol=1e-5)


def test_stateful_forecaster_refuses_another_batch_size():
    import tensorflow as tf

    model = models.stateful_forecaster(batch_size=2, units=3)
    # Keras 3.15 says "batch size" in a ValueError; Keras 3.3 lets TensorFlow refuse the shapes.
    with pytest.raises((ValueError, tf.errors.InvalidArgumentError)) as raised:
        model(np.zeros((3, 4, 1), "float32"))
    assert isinstance(raised.value, tf.errors.InvalidArgumentError) or "batch size" in str(raised.value)


def test_nested_model_with_a_plain_cell_equals_the_layer_on_packed_steps():
    model = models.nested_model(keras.layers.SimpleRNNCell(4), 3, (2, 5), return_sequences=True)
    vectors = RNG.random((2, 6, 3)).astype("float32")
    matrices = RNG.random((2, 6, 2, 5)).astype("float32")
    packed = np.concatenate([vectors, matrices.reshape(2, 6, 10)], axis=-1)
    layer = keras.layers.SimpleRNN(4, return_sequences=True)
    layer.build(packed.shape)
    layer.set_weights(model.get_weights())
    np.testing.assert_allclose(model.predict([vectors, matrices], verbose=0), layer(packed), atol=1e-6)


@pytest.mark.parametrize(
    "build, error, words",
    [
        (lambda: models.sequence_classifier("LSTM"), TypeError, "`recurrent_layers[0]`"),
        (lambda: models.sequence_classifier(vocab_size=0), ValueError, "`vocab_size`"),
        (lambda: models.mnist_rows_classifier(layer="SimpleRNN"), ValueError, "`layer`"),
        (lambda: models.mnist_rows_classifier(fused="yes"), TypeError, "`fused`"),
        (lambda: models.encoder_decoder(10, 2.5), TypeError, "`decoder_vocab_size`"),
        (lambda: models.stateful_forecaster(batch_size=None), TypeError, "`batch_size`"),
        (lambda: models.stateful_forecaster(2, timesteps=0), ValueError, "`timesteps`"),
        (lambda: models.nested_model(keras.layers.Dense(3), 2, (2, 2)), TypeError, "`cell`"),
        (lambda: models.nested_model(keras.layers.GRUCell(3), 2, (2,)), ValueError, "`matrix_shape`"),
        (lambda: models.nested_model(keras.layers.GRUCell(3), 2, (2, 0)), ValueError, "`matrix_shape[1]`"),
    ],
)
def test_builders_name_the_bad_argument(build, error, words):
    with pytest.raises(error) as raised:
        build()
    assert words in str(raised.value)
