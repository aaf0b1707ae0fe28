"""Every public function refuses bad input with a ValueError or TypeError that names the argument.

The walk below finds every callable in every public module's `__all__`; each
must have its cases in BAD_INPUT, so a new public function cannot skip this
test. A function that takes no arguments, or accepts any value, says so with
its reason instead.
"""

import inspect
import math
import re
import types

import keras
import numpy as np
import pytest
from test_public_api import public_modules

from rnnedu.attention import attention_encoder_decoder
from rnnedu.datasets import REVERSAL_CHARS, load_kernel_results, load_scan_results
from rnnedu.language import Vocabulary, char_language_model
from rnnedu.models import encoder_decoder
from rnnedu.viz import attention_data, gate_data, mask_data, merge_data

NAN = math.nan
HUGE = 10**12


class Lazy:
    """An argument built when the case runs (a built layer, view data), once per test session."""

    made = {}

    def __init__(self, name, make):
        self.name, self.make = name, make

    def value(self):
        if self.name not in Lazy.made:
            Lazy.made[self.name] = self.make()
        return Lazy.made[self.name]


def _built(layer, shape=(2, 3, 2)):
    layer(np.zeros(shape, "float32"))
    return layer


def _token_model():
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [keras.Input((None,), dtype="int32"), keras.layers.Embedding(10, 2, mask_zero=True), keras.layers.LSTM(2)]
    )


LSTM = Lazy("lstm", lambda: _built(keras.layers.LSTM(2, return_sequences=True)))
BIDIRECTIONAL = Lazy("bidirectional", lambda: _built(keras.layers.Bidirectional(keras.layers.GRU(2))))
TOKENS = Lazy("token_model", _token_model)
GATES = Lazy("gate_data", lambda: gate_data(LSTM.value(), X))
MASKS = Lazy("mask_data", lambda: mask_data(TOKENS.value(), [[1, 2], [3]]))
MERGES = Lazy("merge_data", lambda: merge_data(BIDIRECTIONAL.value(), X))
STEP_MODEL = Lazy("step_model", lambda: char_language_model(3, embed_dim=2, units=2)[1])
VOCABULARY = Lazy("vocabulary", lambda: Vocabulary("abc"))
TABLE = Lazy("kernels", load_kernel_results)
SCAN_TABLE = Lazy("scans", load_scan_results)
X = np.zeros((2, 3, 2), "float32")
X_NAN = np.full((2, 3, 2), NAN, "float32")
X_INF = np.where(np.eye(3, 2, dtype=bool)[None], np.inf, 0.0).astype("float32")
NO_ARGUMENTS = "takes no arguments"

# Issue 17 (attention): a tiny attention model and a plain one-step decoder with its encoder's state.
ATTENTION_MODEL = Lazy("attention_model", lambda: attention_encoder_decoder(11, 2, 2)[0])
PLAIN_DECODER = Lazy("plain_decoder", lambda: encoder_decoder(3, 3, 2, 2, "GRU")[2])
ATTENTION_DATA = Lazy("attention_data", lambda: attention_data(ATTENTION_MODEL.value(), [1, 2], REVERSAL_CHARS))
ATTENTION_CASES = {
    "rnnedu.attention.attention_encoder_decoder": [
        ((HUGE,), {}, ValueError, "vocab_size"),
        ((11,), {"attention": "luong"}, ValueError, "attention"),
    ],
    "rnnedu.attention.beam_search": [
        ((PLAIN_DECODER, [np.zeros((2, 2))], 3), {"beam_width": 0}, ValueError, "beam_width"),
        ((PLAIN_DECODER, [np.zeros((2, 2))], HUGE), {}, ValueError, "length"),
        ((PLAIN_DECODER, [np.full((2, 2), NAN)], 3), {}, ValueError, "states[0]"),
        ((PLAIN_DECODER, [np.zeros((10**5, 2))], 3), {"beam_width": 2}, ValueError, "beam_width"),
    ],
    "rnnedu.attention.greedy_decode": [
        ((PLAIN_DECODER, np.zeros((2, 2)), 3), {}, TypeError, "states"),
        ((PLAIN_DECODER, [np.zeros((2, 2))], 3), {"start_token": -1}, ValueError, "start_token"),
    ],
    "rnnedu.attention.score_sequences": [
        ((PLAIN_DECODER, [np.zeros((2, 2))], [[0.5, 1.0]] * 2), {}, ValueError, "sequences"),
        ((PLAIN_DECODER, [np.zeros((2, 2))], [[0, 7]] * 2), {}, ValueError, "sequences"),
    ],
    "rnnedu.attention.self_attention_model": [
        ((11, 0), {}, ValueError, "max_length"),
        ((11, 8), {"num_heads": 0}, ValueError, "num_heads"),
    ],
    "rnnedu.bench.bench_attention": [((), {"length": 41}, ValueError, "length")],
    "rnnedu.datasets.load_attention_sweep": [(("nope.csv",), {}, ValueError, "name")],
    "rnnedu.datasets.reversal_problems": [
        ((HUGE, 3), {}, ValueError, "n"),
        ((10, 0), {}, ValueError, "length"),
        ((10**6, 100), {}, ValueError, "length"),
    ],
    "rnnedu.experiments.attention_sweep": [
        ((), {"lengths": (3, 200)}, ValueError, "lengths[1]"),
        ((), {"models": ("plain", "lstm")}, ValueError, "models[1]"),
    ],
    "rnnedu.experiments.plot_attention_sweep": [((5,), {}, TypeError, "table")],
    "rnnedu.viz.attention.AttentionData": [((), {}, TypeError, "source")],
    "rnnedu.viz.attention.AttentionView": [(({},), {}, TypeError, "data")],
    "rnnedu.viz.attention.attention_data": [
        ((ATTENTION_MODEL, [1, 2], REVERSAL_CHARS), {"length": HUGE}, ValueError, "length"),
        ((ATTENTION_MODEL, [[1, 2]], REVERSAL_CHARS), {}, ValueError, "x"),
        ((LSTM, [1, 2], REVERSAL_CHARS), {}, TypeError, "model"),
    ],
    "rnnedu.viz.attention.attention_view": [((ATTENTION_MODEL, [1, 99], REVERSAL_CHARS), {}, ValueError, "x")],
    "rnnedu.viz.attention.plot_attention": [
        ((1,), {}, TypeError, "data"),
        ((ATTENTION_DATA,), {"step": 5}, ValueError, "step"),
        ((ATTENTION_DATA,), {"ax": 3}, TypeError, "ax"),
    ],
}

# function -> [(positional args, keyword args, error, the argument the message must name)], or a reason.
BAD_INPUT = {
    "rnnedu.bench.bench_generation": [((), {"repeats": 0}, ValueError, "repeats")],
    "rnnedu.bench.bench_gates": [((), {"repeats": 0}, ValueError, "repeats"), ((), {"units": "8"}, TypeError, "units")],
    "rnnedu.bench.bench_gradients": [((), {"units": 10**6}, ValueError, "units")],
    "rnnedu.bench.bench_kernels": [
        ((), {"timesteps": ()}, TypeError, "timesteps"),
        ((), {"layers": ("RNN",)}, ValueError, "layers[0]"),
    ],
    "rnnedu.bench.bench_masks": [((), {"batch_size": 1}, ValueError, "batch_size")],
    "rnnedu.bench.bench_merge": [((), {"features": 0}, ValueError, "features")],
    "rnnedu.bench.bench_scan": [
        ((), {"timesteps": ()}, TypeError, "timesteps"),
        ((), {"families": ("RNN",)}, ValueError, "families[0]"),
        ((), {"units": 0}, ValueError, "units"),
    ],
    "rnnedu.bench.main": [(("gates",), {}, TypeError, "argv")],
    # rnnedu.classroom (issue 19)
    "rnnedu.classroom.LoadResult": [((), {}, TypeError, "students")],
    "rnnedu.classroom.LocalHub": [
        ((0,), {}, ValueError, "students"),
        ((2,), {"mem_limit": "lots"}, ValueError, "mem_limit"),
    ],
    "rnnedu.classroom.NotebookRun": [((), {}, TypeError, "notebook")],
    "rnnedu.classroom.Student": [((None, "alice", "token"), {}, TypeError, "hub")],
    "rnnedu.classroom.course_remote": [((5,), {}, TypeError, "folder")],
    "rnnedu.classroom.load_test": [(((),), {}, TypeError, "students"), (([0],), {}, ValueError, "students[0]")],
    "rnnedu.classroom.main": [(("link",), {}, TypeError, "argv")],
    "rnnedu.classroom.nbgitpuller_link": [(("hub.example.org",), {}, ValueError, "hub")],
    "rnnedu.classroom.sizing_table": [((5,), {}, TypeError, "path")],
    "rnnedu.cudnn.explain_fast_path": [
        (("lstm",), {}, TypeError, "layer"),
        ((LSTM,), {"mask": [[2, 0]]}, ValueError, "mask"),
    ],
    "rnnedu.cudnn.mask_rows": [(([1, 0],), {}, ValueError, "mask")],
    "rnnedu.cudnn.stated_conditions": [(("LSTM",), {}, TypeError, "layer_class")],
    "rnnedu.cudnn.watch_cudnn_calls": [((5,), {}, TypeError, "backend")],
    "rnnedu.datasets.addition_problems": [((HUGE,), {}, ValueError, "n"), ((3,), {"digits": 10}, ValueError, "digits")],
    "rnnedu.datasets.bracket_depth": [
        ((HUGE,), {}, ValueError, "n"),
        ((10**6,), {"timesteps": 10**5}, ValueError, "timesteps"),
    ],
    "rnnedu.datasets.data_dir": NO_ARGUMENTS,
    "rnnedu.datasets.delayed_recall": [
        ((HUGE, 3), {}, ValueError, "n"),
        ((10, 5), {"noise": NAN}, ValueError, "noise"),
    ],
    "rnnedu.datasets.load_devils_dictionary": [((), {"test_fraction": 1.5}, ValueError, "test_fraction")],
    "rnnedu.datasets.load_lag_sweep": [(("nope.csv",), {}, ValueError, "name")],
    "rnnedu.datasets.load_kernel_results": [(("nope.csv",), {}, ValueError, "name")],
    "rnnedu.datasets.load_scan_results": [(("nope.csv",), {}, ValueError, "name")],
    "rnnedu.datasets.load_mnist": [(("web",), {}, ValueError, "source"), ((), {"timeout": 0}, ValueError, "timeout")],
    "rnnedu.datasets.load_sunspots": [(("daily",), {}, ValueError, "frequency")],
    "rnnedu.datasets.plot_kernels": [((5,), {}, TypeError, "table"), ((TABLE,), {"ax": "left"}, TypeError, "ax")],
    "rnnedu.datasets.solve_addition": [((35,), {}, ValueError, "question")],
    # notebook 14 (parallel RNNs)
    "rnnedu.datasets.plot_scan": [
        ((5,), {}, TypeError, "table"),
        ((SCAN_TABLE,), {"family": "RNN"}, ValueError, "family"),
        ((SCAN_TABLE,), {"ax": "left"}, TypeError, "ax"),
    ],
    "rnnedu.datasets.variable_length_sequences": [
        ((HUGE,), {}, ValueError, "n"),
        ((10,), {"max_length": HUGE}, ValueError, "max_length"),
        ((10**6,), {"max_length": 10**5}, ValueError, "max_length"),
    ],
    "rnnedu.datasets.verify": [(("passwords.txt",), {}, ValueError, "name")],
    "rnnedu.environment.describe_environment": NO_ARGUMENTS,
    "rnnedu.environment.in_colab": NO_ARGUMENTS,
    "rnnedu.environment.load_tensorflow": NO_ARGUMENTS,
    "rnnedu.environment.setup": [((), {"seed": -1}, ValueError, "seed"), ((), {"verbose": 1}, TypeError, "verbose")],
    # issue 20: keyword-only exercises with graded hints, reflections, typed results
    "rnnedu.exercises.Exercise": [
        (
            (),
            {"title": "", "question": "?", "checker": print, "hints": ["h"], "solution": "answer = 1"},
            TypeError,
            "title",
        ),
        (
            (),
            {"title": "Q", "question": "?", "checker": print, "hints": "h", "solution": "answer = 1"},
            TypeError,
            "hints",
        ),
        (
            (),
            {"title": "Q", "question": "?", "checker": print, "hints": ["h"], "solution": "1"},
            ValueError,
            "solution",
        ),
    ],
    "rnnedu.exercises.Outcome": [(("right",), {}, ValueError, "right")],
    "rnnedu.exercises.Reflection": [((), {"title": "R", "question": "?", "solution": 3}, TypeError, "solution")],
    "rnnedu.exercises.Result": [((), {}, TypeError, "title")],
    "rnnedu.exercises.call_answer": [((5, print), {}, TypeError, "doing")],
    "rnnedu.exercises.expect": [((42,), {}, TypeError, "expected")],
    "rnnedu.exercises.output_shapes": [
        (("LSTM", (3, 2)), {}, TypeError, "layer"),
        ((LSTM, 5), {}, TypeError, "input_shape"),
    ],
    # issue 20: the nbgrader course command
    "rnnedu.grading.Submission": [((), {}, TypeError, "student")],
    "rnnedu.grading.build_course": [
        ((5,), {}, TypeError, "course"),
        (("build/never",), {"notebooks": ["99"]}, ValueError, "notebooks"),
        (("build/never",), {"notebooks": "01"}, TypeError, "notebooks"),
    ],
    "rnnedu.grading.grade_report": [(("build/never", "01"), {}, ValueError, "course")],
    "rnnedu.grading.main": [(("assignments",), {}, TypeError, "argv")],
    "rnnedu.grading.source_notebook": [
        (("nope.ipynb",), {}, ValueError, "path"),
        (("notebooks/01_builtin_rnn_layers.ipynb",), {"exercises_only": 1}, TypeError, "exercises_only"),
    ],
    "rnnedu.explain.draw_cell": [(("Transformer",), {}, ValueError, "kind")],
    "rnnedu.explain.draw_encoder_decoder": [((), {"source_steps": HUGE}, ValueError, "source_steps")],
    "rnnedu.explain.draw_mask_flow": [((5,), {}, ValueError, "stages")],
    "rnnedu.explain.draw_nested_states": [(("3", (2, 2), 4, (2, 2)), {}, TypeError, "vector_features")],
    "rnnedu.explain.draw_unrolled": [((LSTM,), {"timesteps": HUGE}, ValueError, "timesteps")],
    "rnnedu.explain.explain_params": [((3,), {}, TypeError, "layer_or_model")],
    "rnnedu.explain.explain_shapes": [((3,), {}, TypeError, "model")],
    "rnnedu.explain.layer_totals": [((3,), {}, TypeError, "table")],
    "rnnedu.experiments.lag_sweep": [((), {"lags": ()}, TypeError, "lags"), ((), {"epochs": 0}, ValueError, "epochs")],
    "rnnedu.experiments.main": [(("lag",), {}, TypeError, "argv")],
    "rnnedu.experiments.plot_lag_sweep": [((5,), {}, TypeError, "table")],
    "rnnedu.language.Generation": [((), {}, TypeError, "prompt")],
    "rnnedu.language.Vocabulary": [(("",), {}, TypeError, "chars")],
    "rnnedu.language.bigram_bits": [(([0, 1], [[0]], [[1]], 0), {}, ValueError, "vocab_size")],
    "rnnedu.language.bits_per_char": [((np.zeros((1, 3)), np.array([5])), {}, ValueError, "targets")],
    "rnnedu.language.char_language_model": [
        ((HUGE,), {}, ValueError, "vocab_size"),
        ((3,), {"layer": "RNN"}, ValueError, "layer"),
    ],
    "rnnedu.language.generate": [
        ((STEP_MODEL, VOCABULARY, ""), {}, ValueError, "prompt"),
        ((STEP_MODEL, VOCABULARY, "a"), {"temperature": 0}, ValueError, "temperature"),
        ((STEP_MODEL, VOCABULARY, "z"), {}, ValueError, "prompt"),
    ],
    "rnnedu.language.generate_batch": [((STEP_MODEL, VOCABULARY, "a", HUGE), {}, ValueError, "length")],
    "rnnedu.language.load_pretrained": NO_ARGUMENTS,
    "rnnedu.language.next_char_probabilities": [((np.zeros(3),), {"temperature": NAN}, ValueError, "temperature")],
    "rnnedu.language.train_pretrained": [((), {"epochs": 0}, ValueError, "epochs")],
    "rnnedu.language.training_windows": [((np.arange(10), 0), {}, ValueError, "timesteps")],
    "rnnedu.language.unigram_bits": [(([0, 1], [1], 0), {}, ValueError, "vocab_size")],
    "rnnedu.models.encoder_decoder": [((HUGE, 5), {}, ValueError, "encoder_vocab_size")],
    "rnnedu.models.mnist_rows_classifier": [((HUGE,), {}, ValueError, "units")],
    "rnnedu.models.nested_model": [((3, 2, (2, 2)), {}, TypeError, "cell")],
    "rnnedu.models.sequence_classifier": [((), {"vocab_size": HUGE}, ValueError, "vocab_size")],
    "rnnedu.models.stateful_forecaster": [((HUGE,), {}, ValueError, "batch_size")],
    "rnnedu.parallel.MinGRU": [
        ((0,), {"parallel": False}, ValueError, "units"),
        ((4,), {"parallel": "yes"}, TypeError, "parallel"),
    ],
    "rnnedu.parallel.MinGRUCell": [(("8",), {}, TypeError, "units")],
    "rnnedu.parallel.MinLSTM": [
        ((10**9,), {"parallel": False}, ValueError, "units"),
        ((4,), {"parallel": 1}, TypeError, "parallel"),
    ],
    "rnnedu.parallel.MinLSTMCell": [((2.5,), {}, TypeError, "units")],
    "rnnedu.parallel.has_associative_scan": NO_ARGUMENTS,
    "rnnedu.reference.activation_name": [((5,), {}, TypeError, "function")],
    "rnnedu.reference.keras_mask": "accepts any value: one without a Keras mask gives None",
    "rnnedu.reference.trace": [
        ((LSTM, X_NAN), {}, ValueError, "x"),
        ((LSTM, X), {"initial_state": [np.full((2, 2), NAN)] * 2}, ValueError, "initial_state"),
    ],
    "rnnedu.viz.bidirectional.MergeData": [((), {}, TypeError, "layer")],
    "rnnedu.viz.bidirectional.MergeView": [(({},), {}, TypeError, "data")],
    "rnnedu.viz.bidirectional.merge_data": [((BIDIRECTIONAL, X_NAN), {}, ValueError, "x")],
    "rnnedu.viz.bidirectional.merge_view": [
        ((BIDIRECTIONAL, X_NAN), {}, ValueError, "x"),
        ((BIDIRECTIONAL, X_INF), {}, ValueError, "x"),
    ],
    "rnnedu.viz.bidirectional.plot_merge": [((1,), {}, TypeError, "data"), ((MERGES,), {"ax": 3}, TypeError, "ax")],
    "rnnedu.viz.gates.GateData": [((), {}, TypeError, "kind")],
    "rnnedu.viz.gates.GateExplorer": [(({},), {}, TypeError, "data")],
    "rnnedu.viz.gates.gate_data": [((LSTM, X_NAN), {}, ValueError, "x")],
    "rnnedu.viz.gates.gate_explorer": [((LSTM, X_NAN), {}, ValueError, "x"), ((LSTM, X_INF), {}, ValueError, "x")],
    "rnnedu.viz.gates.plot_gates": [
        ((1,), {}, TypeError, "data"),
        ((GATES,), {"sample": 2}, ValueError, "sample"),
        ((GATES,), {"ax": 3}, TypeError, "ax"),
    ],
    "rnnedu.viz.generation.GenerationData": [((), {}, TypeError, "prompt")],
    "rnnedu.viz.generation.GenerationView": [(({},), {}, TypeError, "data")],
    "rnnedu.viz.generation.generation_data": [((STEP_MODEL, "", VOCABULARY), {}, ValueError, "prompt")],
    "rnnedu.viz.generation.generation_view": [((STEP_MODEL, "a", VOCABULARY), {"length": HUGE}, ValueError, "length")],
    "rnnedu.viz.generation.plot_generation": [((1,), {}, TypeError, "data")],
    "rnnedu.viz.gradients.GradientData": [((), {}, TypeError, "layer")],
    "rnnedu.viz.gradients.GradientView": [(({},), {}, TypeError, "datas")],
    "rnnedu.viz.gradients.gradient_data": [((LSTM, X_NAN), {}, ValueError, "x")],
    "rnnedu.viz.gradients.gradient_view": [
        ((LSTM, X_INF), {}, ValueError, "x"),
        ((LSTM, X), {"scale": 9.0}, ValueError, "scale"),
    ],
    "rnnedu.viz.gradients.plot_gradients": [((1,), {}, TypeError, "data")],
    "rnnedu.viz.gradients.step_jacobians": [
        ((LSTM, X_NAN), {}, ValueError, "x"),
        ((LSTM, X), {"scale": NAN}, ValueError, "scale"),
    ],
    "rnnedu.viz.masks.LayerMasks": [((), {}, TypeError, "name")],
    "rnnedu.viz.masks.MaskData": [((), {}, TypeError, "model")],
    "rnnedu.viz.masks.MaskLayout": [((), {}, TypeError, "inputs")],
    "rnnedu.viz.masks.MaskView": [(({},), {}, TypeError, "data")],
    "rnnedu.viz.masks.mask_data": [
        ((TOKENS, [[1, 2], [3]]), {"maxlen": HUGE}, ValueError, "maxlen"),
        ((TOKENS, [[1, 2], [3]]), {"value": NAN}, ValueError, "value"),
    ],
    "rnnedu.viz.masks.mask_view": [
        ((TOKENS, [[1, 2], [3]]), {"maxlen": HUGE}, ValueError, "maxlen"),
        ((TOKENS, [[1, 2], [3]]), {"value": NAN}, ValueError, "value"),
        ((TOKENS, [[1, 2], [3]]), {"value": HUGE}, ValueError, "value"),
        ((TOKENS, [[1, 2], [3]]), {"value": 0.5}, ValueError, "value"),
    ],
    "rnnedu.viz.masks.plot_masks": [((1,), {}, TypeError, "data"), ((MASKS,), {"ax": 3}, TypeError, "ax")],
} | ATTENTION_CASES


def public_callables(modules):
    """{"module.qualname": callable} for every callable a module's `__all__` lists, exception classes left out."""
    found = {}
    for module in modules:
        for name in module.__all__:
            value = getattr(module, name)
            if isinstance(value, types.ModuleType) or not callable(value):
                continue
            if isinstance(value, type) and issubclass(value, BaseException):
                continue  # raised by rnnedu, never called with a learner's input
            found[f"{value.__module__}.{value.__qualname__}"] = value
    return found


PUBLIC = public_callables(public_modules())


def test_every_public_callable_has_bad_input_cases():
    assert sorted(set(PUBLIC) - set(BAD_INPUT)) == [], "add bad-input cases for these public callables to BAD_INPUT"
    assert sorted(set(BAD_INPUT) - set(PUBLIC)) == [], "these BAD_INPUT entries are not public callables"


def test_the_walk_finds_a_public_function_without_cases():
    module = types.ModuleType("rnnedu.fake")

    def new_view(x):
        return x

    new_view.__module__, new_view.__qualname__ = "rnnedu.fake", "new_view"
    module.new_view, module.__all__ = new_view, ["new_view"]
    assert set(public_callables([module])) - set(BAD_INPUT) == {"rnnedu.fake.new_view"}


CASES = [
    pytest.param(name, *case, id=f"{name.removeprefix('rnnedu.')}-{i}")
    for name, cases in BAD_INPUT.items()
    if isinstance(cases, list)
    for i, case in enumerate(cases)
]


@pytest.mark.parametrize("name, args, kwargs, error, argument", CASES)
def test_bad_input_gets_a_value_or_type_error_naming_the_argument(name, args, kwargs, error, argument):
    function = PUBLIC[name]
    args = [a.value() if isinstance(a, Lazy) else a for a in args]
    kwargs = {k: v.value() if isinstance(v, Lazy) else v for k, v in kwargs.items()}
    with pytest.raises(error) as caught:
        function(*args, **kwargs)
    assert re.search(rf"[`']{re.escape(argument)}[`']", str(caught.value)), str(caught.value)


@pytest.mark.parametrize("name", [n for n, c in BAD_INPUT.items() if c == NO_ARGUMENTS])
def test_functions_said_to_take_no_arguments_take_none(name):
    assert not inspect.signature(PUBLIC[name]).parameters


def test_keras_mask_accepts_any_value():
    from rnnedu.reference import keras_mask

    assert [keras_mask(value) for value in (None, 3, "x", X)] == [None] * 4
