"""Exercises for notebooks/09_padding_and_masking.ipynb: padding, masks and what a masked LSTM emits."""

from rnnedu.exercises import Exercise, expect

__all__ = ["q1", "q2", "q3"]

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
        raise RuntimeError(
            "the checker's LSTM repeated no real step's output at timestep 4, so it cannot judge your answer "
            "(a fault of the checker, not of your answer: please report it)"
        )
    return int(repeated[0])


q1 = Exercise(
    "Pad and cut",
    "What does keras.utils.pad_sequences([[7, 8, 9], [4]], maxlen=2) return? Answer as a list of lists.",
    expect(_padded),
    "Both padding and truncating default to 'pre': where are values added, and where are they cut?",
    "[[8, 9], [0, 4]]  # the 7 is cut from the front, the 0 is added in front",
)

q2 = Exercise(
    "The fast side",
    'You pad [[7, 8, 9], [4], [5, 6]] for an LSTM that should keep the cuDNN path: padding="pre" or "post"?',
    expect(_right_padded_side),
    "cuDNN needs every row of the mask to be real steps first, then padding.",
    '"post"  # the mask of each row is True...True then False...False (right-padded)',
)

q3 = Exercise(
    "The repeated output",
    "keras.layers.LSTM(4, return_sequences=True, use_cudnn=False) behind Embedding(10, 3, mask_zero=True) reads "
    "[[3, 1, 4, 0, 0]]. Its output at timestep 4 is the same as its output at which timestep?",
    expect(_repeated_step),
    "use_cudnn=False runs the generic loop: at a masked step it keeps its state and, with "
    "zero_output_for_mask=False, emits its last output again.",
    "2  # the last real step: timesteps 3 and 4 repeat it",
)
