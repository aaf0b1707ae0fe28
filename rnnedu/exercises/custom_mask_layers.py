"""Exercises for notebooks/10_custom_mask_layers.ipynb: layers that receive, pass on and make masks."""

from rnnedu.exercises import Exercise, Reflection, call_answer, expect

__all__ = ["q1", "q2", "q3", "r1"]

TOKENS = [[4, 2, 0, 0], [5, 6, 7, 0]]


def _embedded():
    """Embedded TOKENS with their mask attached, as an Embedding(mask_zero=True) returns them."""
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    return keras.layers.Embedding(10, 3, mask_zero=True)(np.array(TOKENS))


def _mask_of(tensor):
    from rnnedu.reference import keras_mask

    mask = keras_mask(tensor)
    return None if mask is None else mask.tolist()


def _layer_result(answer):
    """Call the learner's layer on embedded, masked tokens; a message if that is not possible."""
    import keras

    if isinstance(answer, type) and issubclass(answer, keras.layers.Layer):
        answer = call_answer("making an instance of your class, with no arguments", answer)
    if not isinstance(answer, keras.layers.Layer):
        return None, f"expected a Keras layer (or its class), got {type(answer).__name__}."
    embedded = _embedded()
    output = call_answer("calling your layer on embedded, masked tokens", answer, embedded)
    call_answer("reading your layer's output as an array", keras.ops.convert_to_numpy, output)
    return (embedded, output), None


def _check_masked_sum(answer):
    import keras
    import numpy as np

    result, problem = _layer_result(answer)
    if problem:
        return problem
    embedded, output = result
    values = keras.ops.convert_to_numpy(embedded)
    real = np.array(TOKENS)[..., None] != 0
    expected = (values * real).sum(axis=1)
    output = keras.ops.convert_to_numpy(output)
    if output.shape != expected.shape:
        return f"on inputs of shape {values.shape} your layer returns shape {output.shape}, not {expected.shape}."
    if not np.allclose(output, expected, atol=1e-5):
        if np.allclose(output, values.sum(axis=1), atol=1e-5):
            return "your layer sums the padding too: multiply by the mask (cast to float) before summing."
        return "your layer's sums differ from the sums over the real timesteps."
    if _mask_of(output) is not None:
        return "the output has no timesteps axis, so it should carry no mask: return None from compute_mask."
    return None


def _check_drop_first(answer):
    import numpy as np

    result, problem = _layer_result(answer)
    if problem:
        return problem
    embedded, output = result
    if tuple(output.shape) != (2, 3, 3):
        return f"your layer returns shape {tuple(output.shape)}, not (2, 3, 3): drop timestep 0 with inputs[:, 1:]."
    expected = (np.array(TOKENS) != 0)[:, 1:].tolist()
    mask = _mask_of(output)
    if mask is None:
        return "the output carries no mask: set supports_masking or define compute_mask."
    if mask != expected:
        return f"the output's mask is {mask}, expected {expected}: drop the first step of the mask too."
    return None


def _first_input_mask():
    import keras
    import numpy as np

    class Join(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.supports_masking = True

        def call(self, a, b):
            return a + b

    embed = keras.layers.Embedding(10, 3, mask_zero=True)
    a, b = embed(np.array([[1, 2, 0]])), embed(np.array([[1, 0, 0]]))
    first = _mask_of(Join()(a, b))
    return "a" if first == _mask_of(a) else "b"


q1 = Exercise(
    title="Masked sum",
    question="Write a layer whose call(inputs, mask=None) sums its inputs over the real timesteps only: "
    "(batch_size, timesteps, features) -> (batch_size, features). Check the layer (or its class).",
    checker=_check_masked_sum,
    hints=[
        "Multiply the padded steps by zero before summing, and say that the output carries no mask.",
        "Cast the mask to the inputs' dtype, add a features axis (keras.ops.expand_dims), multiply, sum over "
        "axis 1; compute_mask returns None.",
    ],
    solution="import keras\n\n\n"
    "class MaskedSum(keras.layers.Layer):\n"
    "    def call(self, inputs, mask=None):\n"
    "        if mask is not None:\n"
    "            inputs = inputs * keras.ops.expand_dims(keras.ops.cast(mask, inputs.dtype), -1)\n"
    "        return keras.ops.sum(inputs, axis=1)\n\n"
    "    def compute_mask(self, inputs, mask=None):\n"
    "        return None  # no timesteps axis left\n\n\n"
    "answer = MaskedSum()",
)

q2 = Exercise(
    title="Drop the first step",
    question="Write a layer that returns inputs[:, 1:] and whose output carries the right mask (the input's mask "
    "without its first step). Check the layer (or its class).",
    checker=_check_drop_first,
    hints=[
        "The output has one timestep fewer, so passing the mask on unchanged (supports_masking) is wrong.",
        "Define compute_mask(self, inputs, mask=None) and cut the mask as call cuts the inputs.",
    ],
    solution="import keras\n\n\n"
    "class DropFirst(keras.layers.Layer):\n"
    "    def call(self, inputs):\n"
    "        return inputs[:, 1:]\n\n"
    "    def compute_mask(self, inputs, mask=None):\n"
    "        return None if mask is None else mask[:, 1:]\n\n\n"
    "answer = DropFirst()",
)

q3 = Exercise(
    title="Two inputs, one mask",
    question="A layer with call(self, a, b) and supports_masking = True is called as layer(a, b) on two masked "
    'tensors. In Keras 3, whose mask does its output carry: "a" or "b"?',
    checker=expect(_first_input_mask),
    hints=[
        "Keras 3 passes on one mask only: which input does it take it from?",
        "Keras 3 takes the mask to pass on from the first positional input.",
    ],
    solution='answer = "a"  # only the first positional input\'s mask is passed on (keras-team/keras issue 19311)',
)

r1 = Reflection(
    title="And, or, or neither",
    question="Two masked sequences are added step by step. Keras passes on only the first input's mask (q3). "
    "What should the output's mask be instead, and why can Keras not decide it for you?",
    solution="It depends on what a padded step means for your data. If a step of the sum is valid only when "
    "both inputs are real (two aligned sequences of features), the mask is the logical AND of the two masks. "
    "If a missing step simply contributes nothing (padding stands for zeros, as when merging two streams), "
    "the OR is right: the step is real when either input is. Keras cannot know which meaning you intend, so "
    "a layer that combines masked inputs should define compute_mask itself and say which rule it applies, "
    "e.g. keras.ops.logical_and(mask_a, mask_b).",
)
