"""Exercises for notebooks/09_padding_and_masking.ipynb: padding, masks and what a masked LSTM emits."""

from rnnedu.exercises import Exercise, Reflection, expect

__all__ = ["q1", "q2", "q3", "r1"]

SEQUENCES = [[7, 8, 9], [4], [5, 6]]


def _padded():
    import keras

    return keras.utils.pad_sequences([[7, 8, 9], [4]], maxlen=2).tolist()


def _right_padded_side():
    import keras

    from rnnedu.cudnn import mask_rows

    for side in ("pre", "post"):
        right_padded, _ = mask_rows(keras.utils.pad_sequences(SEQUENCES, padding=side) != 0)
        if right_padded.all():
            return side
    raise AssertionError("neither padding is right-padded")


def _repeated_step():
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(10, 3, mask_zero=True),
            # The generic loop, on every device: the cuDNN kernel would write zeros at the masked steps.
            keras.layers.LSTM(4, return_sequences=True, use_cudnn=False),
        ]
    )
    tokens = np.array([[3, 1, 4, 0, 0]])
    outputs = keras.ops.convert_to_numpy(model(tokens))[0]
    repeated = [t for t in np.flatnonzero(tokens[0]) if np.array_equal(outputs[4], outputs[t])]  # real steps only
    if not repeated:
        raise RuntimeError("the checker's LSTM repeated no real step's output at timestep 4")
    return int(repeated[0])


q1 = Exercise(
    title="Pad and cut",
    question="What does keras.utils.pad_sequences([[7, 8, 9], [4]], maxlen=2) return? Answer as a list of lists.",
    checker=expect(_padded),
    hints=[
        "Both padding and truncating default to 'pre': where are values added, and where are they cut?",
        "[7, 8, 9] loses its first value; [4] gets a 0 in front.",
    ],
    solution="answer = [[8, 9], [0, 4]]  # the 7 is cut from the front, the 0 is added in front",
)

q2 = Exercise(
    title="The fast side",
    question='You pad [[7, 8, 9], [4], [5, 6]] for an LSTM that should keep the cuDNN path: padding="pre" or "post"?',
    checker=expect(_right_padded_side),
    hints=[
        "cuDNN needs every row of the mask to be real steps first, then padding.",
        "Real steps first means the zeros go at the end of each row.",
    ],
    solution='answer = "post"  # the mask of each row is True...True then False...False (right-padded)',
)

q3 = Exercise(
    title="The repeated output",
    question="keras.layers.LSTM(4, return_sequences=True, use_cudnn=False) behind Embedding(10, 3, "
    "mask_zero=True) reads [[3, 1, 4, 0, 0]]. Its output at timestep 4 is the same as its output at which "
    "timestep?",
    checker=expect(_repeated_step),
    hints=[
        "use_cudnn=False runs the generic loop: at a masked step it keeps its state and, with "
        "zero_output_for_mask=False, emits its last output again.",
        "Timesteps 3 and 4 are masked (token 0): which is the last real timestep, counting from 0?",
    ],
    solution="answer = 2  # the last real step: timesteps 3 and 4 repeat it",
)

r1 = Reflection(
    title="Padding without a mask",
    question="Suppose you forget the mask and an LSTM reads zero-padded sequences, returning only its final "
    "output. Predict whether padding='pre' or padding='post' harms the short sequences more, and why.",
    solution="'post' harms them more. With the zeros at the end, the LSTM keeps stepping after the real "
    "tokens: a zero input still passes through the biases and the recurrent weights, so the state drifts "
    "and the forget gate erodes the memory, and the final output is read after all that. With the zeros in "
    "front, the layer reads zeros from its zero initial state first, reaching some state that is the same "
    "for every sequence with the same padding, then reads the real tokens last, right before the output. "
    "Neither is exact: 'pre' still starts the real tokens from a state that depends on the amount of "
    "padding. A mask makes both exact: that is the real fix (with 'post', which the cuDNN kernel needs).",
)
