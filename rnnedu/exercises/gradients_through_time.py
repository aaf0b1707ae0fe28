"""Exercises for notebooks/11_gradients_through_time.ipynb: predict the gradient before you compute it."""

import numpy as np

from rnnedu.exercises import Exercise, Reflection, expect

__all__ = ["q1", "q2", "q3", "r1"]


def _linear_rnn(scale, timesteps):
    """‖∂h_T/∂h_0‖ of a linear SimpleRNN(4) without bias whose recurrent kernel is scale · I."""
    import keras

    from rnnedu.viz.gradients import gradient_data

    layer = keras.layers.SimpleRNN(4, activation="linear", use_bias=False)
    x = np.random.default_rng(0).normal(size=(1, timesteps, 2)).astype("float32")
    layer(x)
    # Assigned, not initialised with keras.initializers.Identity: Keras 3.3 cannot rebuild that from the config.
    layer.cell.recurrent_kernel.assign(scale * np.eye(4, dtype="float32"))
    return float(gradient_data(layer, x, scales=[1.0]).sensitivity[0, 0, 0])


def _larger_end():
    """Which end of the sequence the last output depends on more, for a tanh SimpleRNN at scale 0.5."""
    import keras

    from rnnedu.viz.gradients import gradient_data

    keras.utils.set_random_seed(0)
    layer = keras.layers.SimpleRNN(8)
    x = np.random.default_rng(1).normal(size=(1, 20, 3)).astype("float32")
    layer(x)
    sensitivity = gradient_data(layer, x, scales=[0.5]).sensitivity[0, 0]
    return "late" if sensitivity[19] > sensitivity[1] else "early"


def _kept_cell_gradient():
    """∂c_T/∂c_0 of an LSTM cell whose forget gate is held at 1 (and input gate at 0) for 10 steps."""
    import keras

    from rnnedu.viz.gradients import step_jacobians

    layer = keras.layers.LSTM(1)
    x = np.ones((1, 10, 3), "float32")
    layer(x)
    layer.cell.bias.assign(np.array([-30.0, 30.0, 0.0, 0.0], "float32"))  # gate order i, f, g, o
    product = np.eye(2)
    for jacobian in step_jacobians(layer, x)[0]:
        product = jacobian @ product
    return float(np.round(product[1, 1], 4))  # the state is (h, c): entry [1, 1] is ∂c_T/∂c_0


q1 = Exercise(
    title="Predict the power",
    question="Predict before you run anything: a SimpleRNN(4, activation='linear', use_bias=False) whose "
    "recurrent kernel is 0.9 · I reads 20 timesteps. What is ‖∂h_20/∂h_0‖? Answer with a number (then check it "
    "with rnnedu.viz.gradient_data).",
    checker=expect(lambda: _linear_rnn(0.9, 20)),
    hints=[
        "Each step's Jacobian is Uᵀ = 0.9 · I: what is the product of 20 of them?",
        "The product of 20 matrices 0.9 · I is 0.9 ** 20 times I; the norm of I is 1.",
    ],
    solution="answer = 0.9**20  # 0.1216: the product of 20 Jacobians 0.9 · I is 0.9²⁰ · I, whatever the inputs",
)

q2 = Exercise(
    title="Which step reaches the end",
    question="Predict: in a tanh SimpleRNN(8) whose recurrent kernel is scaled by 0.5, does the last output h_20 "
    'depend more on the state near the end (t = 19) or near the start (t = 1)? Answer "late" or "early", then '
    "look with rnnedu.viz.gradient_view(layer, x, scale=0.5).",
    checker=expect(_larger_end),
    hints=[
        "The gradient to step t is a product of 20 − t Jacobians, each of norm at most max tanh' · ‖U‖ ≤ 0.5 · ‖U‖.",
        "A product of 1 Jacobian against a product of 19, each shrinking: which is smaller?",
    ],
    solution='answer = "late"  # the longer the product of Jacobians with norm below 1, the smaller it is',
)

q3 = Exercise(
    title="The forget gate's gradient",
    question="Predict: an LSTM whose forget gate is held at 1 and input gate at 0 (biases +30 and −30, as in "
    "notebook 04's exercise) reads 10 steps. What is ∂c_10/∂c_0 for its one unit? Answer with a number.",
    checker=expect(_kept_cell_gradient),
    hints=[
        "c_t = f·c_(t-1) + i·g: with f = 1 and i = 0, how does c_t change when c_(t-1) changes?",
        "∂c_t/∂c_(t-1) = f = 1 at every step; multiply 10 of them.",
    ],
    solution="answer = 1.0  # ∂c_t/∂c_(t-1) = f = 1 at every step, so the product is 1: the additive cell path\n"
    "# neither vanishes nor explodes (the [1, 1] entry of the product of rnnedu.viz.step_jacobians)",
)

r1 = Reflection(
    title="Vanished, or forgotten?",
    question="The gradient from h_T to an early step of a SimpleRNN is tiny. Does that mean the layer's output "
    "does not depend on its early inputs? What does a vanishing gradient make hard, exactly?",
    solution="Not necessarily. The gradient measures how much the output would change for a small change of an "
    "early step, at the current weights: it can be small while the early input still shapes the state. What "
    "vanishing makes hard is learning: the update that would teach the layer to keep an early token is "
    "swamped by the updates from recent steps, so a dependency that is not already carried is almost never "
    "learned. Section 7 shows the same split from the other side: truncated BPTT computes the same forward "
    "pass, so earlier chunks are used, but sends no gradient to them at all.",
)
