"""Exercises for notebooks/14_parallel_rnns.ipynb: predict what the scan and the min-layers do, then check."""

import numpy as np

from rnnedu.exercises import Exercise, Reflection, expect

__all__ = ["q1", "q2", "q3", "q4", "r1"]


def _min_gru_params(features, units):
    """count_params() of a MinGRU(units) built for `features` input features."""
    from rnnedu.parallel import MinGRU

    layer = MinGRU(units, parallel=False)
    layer.build((None, None, features))
    return layer.count_params()


def _doubling_rounds(timesteps):
    """Rounds of the doubling scan (each round adds the partial sum `offset` places back) until every prefix is done."""
    values, offset, rounds = np.ones(timesteps), 1, 0
    while not np.array_equal(values, np.arange(1, timesteps + 1)):
        values = values + np.concatenate([np.zeros(offset), values[:-offset]])[:timesteps]
        offset, rounds = 2 * offset, rounds + 1
    return rounds


def _combined_offset():
    """B of the one step (A, B) that equals (a1, b1) = (0.5, 1) followed by (a2, b2) = (0.2, 3), by Keras's scan."""
    from keras import ops

    def combine(first, second):
        return first[0] * second[0], second[0] * first[1] + second[1]

    a, b = ops.associative_scan(combine, (np.array([0.5, 0.2]), np.array([1.0, 3.0])))
    return float(ops.convert_to_numpy(b)[-1])


def _generation_state_floats(units, length):
    """How many numbers a MinGRUCell(units) carries from step to step while it writes `length` steps, batch 1."""
    import keras

    from rnnedu.parallel import MinGRUCell

    cell = MinGRUCell(units)
    x = np.zeros((1, 3), "float32")
    state = [keras.ops.zeros((1, units))]
    carried = set()
    for _ in range(length):
        _, state = cell(x, state)
        carried.add(int(np.prod(keras.ops.shape(state[0]))))
    return carried.pop() if len(carried) == 1 else sorted(carried)


q1 = Exercise(
    title="Count a minGRU's parameters",
    question="Predict: how many parameters has rnnedu.parallel.MinGRU(32) on inputs with 10 features? "
    "A keras.layers.GRU(32) on the same inputs has 4,224. Answer with a number.",
    checker=expect(lambda: _min_gru_params(10, 32)),
    hints=[
        "minGRU keeps two blocks of weights, one for the update gate z and one for the candidate; "
        "neither reads h_(t-1), so there is no recurrent kernel and no reset gate.",
        "Each block is a kernel (features × units) and a bias (units): 2 × (10 × 32 + 32). Did you count the bias?",
    ],
    solution="answer = 2 * (10 * 32 + 32)  # 704, a sixth of the GRU's 4,224: a kernel and a bias for z and for "
    "the candidate\n# Keras agrees: layer = MinGRU(32); layer.build((None, None, 10)); layer.count_params()",
)

q2 = Exercise(
    title="Rounds of the doubling scan",
    question="Predict: the doubling scan of the notebook adds, in round k, each partial sum 2**(k-1) places back. "
    "How many rounds does it need to finish every prefix of a sequence of 1,024 steps? Answer with a number.",
    checker=expect(lambda: _doubling_rounds(1024)),
    hints=[
        "After round 1 each position holds the sum of up to 2 values, after round 2 up to 4. And after round k?",
        "After round k every position sums up to 2**k values: find the k for which 2**k reaches 1,024.",
    ],
    solution="import math\n\n"
    "answer = int(math.log2(1024))  # 10 rounds, each one parallel operation, where the loop makes 1,023 additions "
    "one after another",
)

q3 = Exercise(
    title="Combine two steps",
    question="The step h_1 = 0.5 * h_0 + 1 is followed by h_2 = 0.2 * h_1 + 3. Together they are one step "
    "h_2 = A * h_0 + B. Predict B, then check with keras.ops.associative_scan. Answer with a number.",
    checker=expect(_combined_offset),
    hints=[
        "Substitute h_1 into the second step: h_2 = 0.2 * (0.5 * h_0 + 1) + 3.",
        "Expand it: h_2 = (0.2 * 0.5) * h_0 + (0.2 * 1 + 3). B is the part that does not depend on h_0.",
    ],
    solution="answer = 0.2 * 1 + 3  # B = a_2 * b_1 + b_2 = 3.2, and A = a_1 * a_2 = 0.1: the scan's combine rule",
)

q4 = Exercise(
    title="Memory while writing",
    question="Predict: a MinGRUCell(64) writes 30 steps one at a time for a batch of 1, feeding each step its "
    "state. How many numbers does it carry from one step to the next? Answer with a number.",
    checker=expect(lambda: _generation_state_floats(64, 30)),
    hints=[
        "What does the cell's call return besides its output, and does its shape change from one step to the next?",
        "The state is h_t, of shape (batch_size, units) at every step: how many numbers for a batch of 1?",
    ],
    solution="answer = 1 * 64  # the state h: one number per unit, at step 1 as at step 30. An RNN's memory while "
    "it writes is constant;\n# attention's grows with every step it can look back at",
)

r1 = Reflection(
    title="Depth brings the state back",
    question="One minGRU layer's gates see only its input, so it cannot decide to write based on what it already "
    "holds. Stack two: the second layer's gates see the first layer's outputs, which summarise everything so far. "
    "What does the stack recover of what a GRU's gates did with h_(t-1)? What does it cost in training time, and "
    "what stays out of reach?",
    solution="The second layer's gate depends on the whole prefix, through the first layer's output, so its "
    "decision to write can depend on history; but only on layer 1's summary, never on layer 2's own state: each "
    "layer stays linear in its own state. Every extra layer puts one more nonlinearity between the inputs and the "
    "gates, as depth does in a feed-forward network, which is why the paper stacks layers. Training stays "
    "parallel over time: L layers cost L scans of O(log T) depth, sequential only across depth. What stays hard "
    "is tracking something like parity, or a state machine, over unbounded length: that needs every step's "
    "update to depend nonlinearly on the running state, which a fixed stack of linear recurrences cannot do and "
    "a GRU can in principle (Merrill, Petty and Sabharwal, 2024, The Illusion of State in State-Space Models). "
    "In practice, the paper's benchmarks suggest that this loss matters less than the speed gained.",
)
