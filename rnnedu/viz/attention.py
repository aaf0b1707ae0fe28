"""The attention view: where each step of the decoder looks in the source, and what it writes.

* `attention_data` decodes one source greedily with a model of
  `rnnedu.attention.attention_encoder_decoder` and reads the attention
  weights of every decoder step out of its layer named "attention";
* `plot_attention` draws one frame: the alignment matrix (decoder steps
  against source steps, the input and output tokens on the axes) with one
  step's row outlined, and that step's weights as bars over the source;
* `attention_view` adds a slider over the decoder steps; moving it only
  moves the outline and the bars (blitted), and says which token the step
  wrote and with what probability.
"""

import dataclasses
import html

import numpy as np

from rnnedu._validate import check_int, describe
from rnnedu.viz._view import BlitCanvas, WidgetView, control_options, encode

__all__ = ["AttentionData", "AttentionView", "attention_data", "attention_view", "plot_attention"]

MAX_LENGTH = 40  # source and output tokens the view shows


@dataclasses.dataclass(frozen=True)
class AttentionData:
    """One source, the answer a model wrote for it greedily, and where each decoder step attended.

    Attributes:
        source: tuple of str, the source tokens as characters.
        output: tuple of str, the tokens the decoder wrote, as characters.
        predicted: int32 array (output_steps,), the token ids it wrote.
        probabilities: float32 array (output_steps,), the probability the
            model gave each token it wrote (softmax of its logits).
        weights: float32 array (output_steps, source_steps): row t is the
            attention weights of decoder step t over the source steps (each
            row sums to 1).
        expected: None, or tuple of str, the right answer (then `correct` says which steps wrote it).
    """

    source: tuple
    output: tuple
    predicted: np.ndarray
    probabilities: np.ndarray
    weights: np.ndarray
    expected: tuple | None = None

    @property
    def correct(self):
        """bool array (output_steps,): which steps wrote the expected token (None without `expected`)."""
        if self.expected is None:
            return None
        return np.array([a == b for a, b in zip(self.output, self.expected)])


def attention_data(model, x, chars, length=None, expected=None, start_token=0):
    """Decode one source greedily and read the attention weights of every decoder step.

    The model is run with teacher forcing on its own answer so far, one
    step longer each time; because the decoder reads only earlier steps,
    this writes exactly what step-by-step greedy decoding writes, and the
    last run gives every step's logits and attention weights at once.

    Args:
        model: the training model of `rnnedu.attention.attention_encoder_decoder`
            (inputs [source, target input]; a layer named "attention" called
            with `return_attention_scores=True`).
        x: 1-D int array (or list) of 1 to 40 source token ids.
        chars: str, the character of each token id (e.g. `rnnedu.datasets.REVERSAL_CHARS`).
        length: int from 1 to 40, tokens to write; None: as many as the source has.
        expected: None, or 1-D int array of `length` token ids, the right answer.
        start_token: int, the token fed at the first step.

    Returns:
        `AttentionData`.

    Example:
    >>> from rnnedu.attention import attention_encoder_decoder
    >>> model, _, _ = attention_encoder_decoder(11, units=4)
    >>> data = attention_data(model, [1, 2, 3, 4], chars="=0123456789")
    >>> data.source, data.weights.shape, bool(np.allclose(data.weights.sum(axis=1), 1.0, atol=1e-5))
    (('0', '1', '2', '3'), (4, 4), True)
    """
    probe = _probe(model)
    if not isinstance(chars, str) or not chars:
        raise TypeError(f"`chars` must be a non-empty string, one character per token id, got {describe(chars)}.")
    x = _check_tokens("x", x, len(chars))
    length = len(x) if length is None else check_int("length", length, min_value=1, max_value=MAX_LENGTH)
    start_token = check_int("start_token", start_token, min_value=0, max_value=len(chars) - 1)
    if expected is not None:
        expected = _check_tokens("expected", expected, len(chars))
        if len(expected) != length:
            raise ValueError(f"`expected` must have `length` = {length} token ids, got {len(expected)}.")
    written = np.full((1, length), start_token, dtype=np.int32)
    for t in range(length):
        logits, _ = probe.predict_on_batch([x[None], written])
        token = int(np.argmax(np.asarray(logits)[0, t]))
        if t + 1 < length:
            written[0, t + 1] = token
    logits, weights = (np.asarray(a, dtype=np.float64)[0] for a in probe.predict_on_batch([x[None], written]))
    predicted = logits.argmax(axis=-1)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    probabilities = np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)
    for name, values in (("logits", logits), ("attention weights", weights)):
        if not np.isfinite(values).all():
            raise ValueError(f"the model's {name} are not finite (NaN or inf): the view cannot show them.")
    return AttentionData(
        source=tuple(chars[i] for i in x),
        output=tuple(chars[i] for i in predicted),
        predicted=_frozen(predicted.astype(np.int32)),
        probabilities=_frozen(probabilities[np.arange(length), predicted].astype(np.float32)),
        weights=_frozen(weights.astype(np.float32)),
        expected=None if expected is None else tuple(chars[i] for i in expected),
    )


def plot_attention(data, step=0, ax=None):
    """Draw the alignment matrix with decoder step `step` outlined, and that step's weights as bars.

    Args:
        data: `AttentionData` from `attention_data`.
        step: int, the decoder step to highlight (0 is the first token written).
        ax: None, or a pair of matplotlib Axes (the matrix, the bars) to draw into.

    Returns:
        `matplotlib.figure.Figure`.

    Example:
    >>> from rnnedu.attention import attention_encoder_decoder
    >>> model, _, _ = attention_encoder_decoder(11, units=4)
    >>> figure = plot_attention(attention_data(model, [1, 2, 3], chars="=0123456789"), step=1)
    >>> figure.axes[0].get_ylabel()
    'decoder step: token written'
    """
    return _AttentionFrame(data, ax).update(step).figure


def attention_view(model, x, chars, length=None, expected=None, step=0):
    """Slide over the decoder's steps and see where each one attends, what it writes and how sure it is.

    Args:
        model, x, chars, length, expected: as in `attention_data`, which
            computes everything the view shows, once.
        step: the decoder step shown first.

    Returns:
        `AttentionView`: displays itself (a picture where no widget frontend
        runs); its control "step" can be set from code.

    Example:
    >>> from rnnedu.attention import attention_encoder_decoder
    >>> model, _, _ = attention_encoder_decoder(11, units=4)
    >>> view = attention_view(model, [1, 2, 3], chars="=0123456789")
    >>> view.controls["step"].value = 2
    >>> view.frame.step
    2
    """
    return AttentionView(attention_data(model, x, chars, length, expected), step)


class AttentionView(WidgetView):
    """The widget of `attention_view`: a slider over the decoder steps, and a readout under the figure.

    Args:
        data: `AttentionData`.
        step: the step shown first.

    Attributes:
        data: the precomputed answer and weights.
        frame: the drawn frame, with its current `step`.
    """

    def __init__(self, data, step=0):
        import ipywidgets as widgets

        if not isinstance(data, AttentionData):
            raise TypeError(f"`data` must be the AttentionData that attention_data returns, got {describe(data)}.")
        self.data = data
        self.frame = _AttentionFrame(data, None, title=False).update(step)
        self.readout = widgets.HTML()
        steps = len(data.output)
        controls = {"step": widgets.IntSlider(value=self.frame.step, min=0, max=steps - 1, **control_options("step"))}
        super().__init__(self.frame.canvas, controls, self.update, below=[self.readout], static=self._static_png)
        self.update()

    def update(self, _name=None):
        """Show the step the slider selects."""
        self.frame.update(self.controls["step"].value)
        self.readout.value = html.escape(self.frame.readout)

    def _static_png(self):
        """The frame with its readout as a title, drawn whole (a picture needs no blitting)."""
        canvas = _AttentionFrame(self.data, None).update(self.frame.step).canvas.canvas
        canvas.draw()
        return encode(np.asarray(canvas.buffer_rgba()), "png")


class _AttentionFrame:
    """The matrix (drawn once, in the background) and what moves: the outlined row, the bars and the title."""

    def __init__(self, data, axes=None, title=True):
        from matplotlib.figure import Figure
        from matplotlib.patches import Rectangle

        if not isinstance(data, AttentionData):
            raise TypeError(f"`data` must be the AttentionData of attention_data(), got {describe(data)}.")
        self.data, self.step = data, None
        steps, sources = data.weights.shape
        own = axes is None
        if own:
            height = 2.4 + 0.22 * steps
            self.figure = Figure(figsize=(max(5.5, 1.6 + 0.3 * sources), height), dpi=72, layout="constrained")
            axes = self.figure.subplots(2, 1, height_ratios=(max(1.5, 0.22 * steps), 1.2))
        elif not isinstance(axes, (list, tuple, np.ndarray)) or len(axes) != 2:
            raise TypeError(f"`ax` must be None or a pair of Axes (matrix, bars), got {describe(axes)}.")
        self.matrix_ax, self.bar_ax = axes
        self.figure = self.matrix_ax.figure
        self.matrix_ax.imshow(data.weights, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest")
        self.matrix_ax.set_xticks(range(sources), [f"{i}\n{c}" for i, c in enumerate(data.source)], fontsize=8)
        rows = [f"{t}: {c}" for t, c in enumerate(data.output)]
        if data.expected is not None:
            rows = [r + ("" if ok else " ✗") for r, ok in zip(rows, data.correct)]
        self.matrix_ax.set_yticks(range(steps), rows, fontsize=8)
        self.matrix_ax.set_xlabel("source step: token read")
        self.matrix_ax.set_ylabel("decoder step: token written")
        self.matrix_ax.set_title("attention weights: each row sums to 1 (dark: where that step looks)", fontsize=10)
        self.outline = self.matrix_ax.add_patch(Rectangle((-0.5, -0.5), sources, 1, fill=False, ec="C3", lw=2))
        self.bars = self.bar_ax.bar(range(sources), np.zeros(sources), color="C0", width=0.8)
        self.bar_ax.set(xlim=(-0.5, sources - 0.5), ylim=(0, 1.05), ylabel="weight")
        self.bar_ax.set_xticks(range(sources), list(data.source), fontsize=8)
        self.bar_ax.set_xlabel("the outlined step's weights over the source; orange: the largest")
        self.title = self.figure.suptitle(" ", fontsize=10) if title else None
        moving = [self.outline, *self.bars] + ([self.title] if title else [])
        self.canvas = BlitCanvas(self.figure, moving)
        if own:
            self.figure.get_layout_engine().execute(self.figure)
            self.figure.set_layout_engine("none")  # a fixed layout keeps the cached background valid

    def update(self, step):
        """Outline decoder step `step` and show its weights; return self."""
        data = self.data
        self.step = check_int("step", step, min_value=0, max_value=len(data.output) - 1)
        self.outline.set_y(self.step - 0.5)
        row = data.weights[self.step]
        peak = int(np.argmax(row))
        for i, (bar, weight) in enumerate(zip(self.bars, row)):
            bar.set_height(float(weight))
            bar.set_color("C1" if i == peak else "C0")
        self.readout = (
            f"step {self.step} wrote {data.output[self.step]!r} with p = {data.probabilities[self.step]:.2f}; "
            f"it attends most to source step {peak} ({data.source[peak]!r}), weight {row[peak]:.2f}"
        )
        if data.expected is not None:
            self.readout += f"; the right token is {data.expected[self.step]!r}"
        if self.title is not None:
            self.title.set_text(self.readout)
        return self


def _probe(model):
    """A model from the same inputs to [logits, attention weights], the weights read from the layer "attention"."""
    import keras

    if not isinstance(model, keras.Model) or len(getattr(model, "inputs", None) or []) != 2:
        raise TypeError(
            "`model` must be the training model of rnnedu.attention.attention_encoder_decoder "
            f"(inputs [source, target input]), got {describe(model)}."
        )
    try:
        _, weights = model.get_layer("attention").output
    except ValueError:
        raise ValueError("`model` has no layer named 'attention' called with return_attention_scores=True.") from None
    return keras.Model(model.inputs, [model.outputs[0], weights])


def _check_tokens(name, tokens, vocab_size):
    array = np.asarray(tokens)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer) or not 1 <= len(array) <= MAX_LENGTH:
        raise ValueError(f"`{name}` must be a 1-D array of 1 to {MAX_LENGTH} integer token ids, got {describe(tokens)}")
    if array.min() < 0 or array.max() >= vocab_size:
        raise ValueError(f"`{name}` must hold token ids from 0 to {vocab_size - 1} (one per character of `chars`).")
    return array.astype(np.int32)


def _frozen(array):
    array = np.array(array)
    array.flags.writeable = False
    return array
