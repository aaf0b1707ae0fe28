"""Exercises for notebooks/14_parallel_rnns.ipynb: predict what the scan and the min-layers do, then check."""

import numpy as np

from rnnedu.exercises import Exercise, expect

__all__ = ["q1", "q2", "q3", "q4"]


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
    hint="minGRU keeps two blocks, z and the candidate, each with a kernel (features × units) and a bias; "
    "no recurrent kernel, no reset gate. Did you count the bias?",
    solution="2 * (10 * 32 + 32) = 704, about a sixth of the GRU's 4,224:\n"
    "layer = MinGRU(32); layer.build((None, None, 10)); layer.count_params()  # 704",
)

q2 = Exercise(
    title="Rounds of the doubling scan",
    question="Predict: the doubling scan of the notebook adds, in round k, each partial sum 2**(k-1) places back. "
    "How many rounds does it need to finish every prefix of a sequence of 1,024 steps? Answer with a number.",
    checker=expect(lambda: _doubling_rounds(1024)),
    hint="After round k every position holds the sum of up to 2**k values. When does 2**k reach 1,024?",
    solution="10 = log2(1024): after round k each position sums 2**k values, so 10 rounds cover 1,024 steps, "
    "where the loop needs 1,023 additions one after another. Each round is one parallel operation.",
)

q3 = Exercise(
    title="Combine two steps",
    question="The step h_1 = 0.5 * h_0 + 1 is followed by h_2 = 0.2 * h_1 + 3. Together they are one step "
    "h_2 = A * h_0 + B. Predict B, then check with keras.ops.associative_scan. Answer with a number.",
    checker=expect(_combined_offset),
    hint="Substitute h_1 into the second step: h_2 = 0.2 * (0.5 * h_0 + 1) + 3. Which part does not depend on h_0?",
    solution="B = a_2 * b_1 + b_2 = 0.2 * 1 + 3 = 3.2 (and A = a_1 * a_2 = 0.1): the combine rule of the scan.\n"
    "keras.ops.associative_scan(combine, (np.array([0.5, 0.2]), np.array([1.0, 3.0])))  # B is the last b",
)

q4 = Exercise(
    title="Memory while writing",
    question="Predict: a MinGRUCell(64) writes 30 steps one at a time for a batch of 1, feeding each step its "
    "state. How many numbers does it carry from one step to the next? Answer with a number.",
    checker=expect(lambda: _generation_state_floats(64, 30)),
    hint="What does the cell's call return besides its output, and does its shape depend on the step?",
    solution="64: the state h, one number per unit, whatever the step. An RNN's memory at inference is constant; "
    "attention's grows with every step it can look back at.",
)
