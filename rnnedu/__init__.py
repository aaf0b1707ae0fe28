"""rnnedu: the helper package of an interactive course on recurrent networks in Keras 3.

The notebooks call it for what is not the lesson: setting up a session,
loading data, explaining shapes and parameter counts, showing gates, and
checking exercises. Keras itself is imported only when a
function needs it.

The public API is what each module lists in its `__all__`; the most used
names are also here, at the top level:

* `rnnedu.environment`: `setup`, `load_tensorflow` (TensorFlow imported without its start-up lines),
  `describe_environment`, `in_colab`;
* `rnnedu.datasets`: `load_mnist`, `load_sunspots`, `load_devils_dictionary`, `verify`, the generators
  `addition_problems`, `variable_length_sequences`, `bracket_depth` and `reversal_problems`, and the
  committed benchmark results (`load_kernel_results`, `plot_kernels`, `load_scan_results`, `load_attention_sweep`);
* `rnnedu.explain`: the explainers `explain_params`, `layer_totals`,
  `explain_shapes`, the drawings `draw_unrolled`, `draw_encoder_decoder`, `draw_nested_states` and
  `draw_mask_flow`, and `explain_fast_path` (defined in
  `rnnedu.cudnn`, beside the cuDNN rules it reads);
* `rnnedu.cudnn`: why a layer does or does not run on the fused kernel;
* `rnnedu.reference`: `trace`, every gate of a layer computed in NumPy, and `keras_mask`;
* `rnnedu.models`: builders of the models the course trains more than once;
* `rnnedu.attention`: encoder-decoders whose decoder attends to every encoder step, a self-attention
  model, and decoding (greedy and beam search);
* `rnnedu.language`: character-level language models: vocabulary, training windows, bits-per-character
  baselines, a model with its one-step twin, and sampling (greedy, temperature, top-k);
* `rnnedu.parallel`: `MinGRU` and `MinLSTM`, recurrent layers computed in parallel with a scan
  (imported on demand, `from rnnedu.parallel import MinGRU`: defining Keras layers imports Keras);
* `rnnedu.viz`: the views `gate_explorer`, `mask_view`, `merge_view`, `generation_view`, `attention_view`, and the
  data and plot functions behind them;
* `rnnedu.exercises`: `Exercise` and the exercises of each notebook.

`python -m rnnedu.bench` is a command on top of the package: nothing here imports it.
"""

import os

# Silence TensorFlow's C++ logging before anything imports TensorFlow.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# The one home of the version: pyproject.toml reads it from here (tool.setuptools.dynamic).
__version__ = "0.1.0"

from rnnedu import attention, cudnn, datasets, exercises, explain, language, models, reference, viz  # noqa: E402
from rnnedu.datasets import load_devils_dictionary, load_mnist, load_sunspots  # noqa: E402
from rnnedu.environment import describe_environment, in_colab, load_tensorflow, setup  # noqa: E402
from rnnedu.explain import (  # noqa: E402
    draw_encoder_decoder,
    draw_mask_flow,
    draw_nested_states,
    draw_unrolled,
    explain_fast_path,
    explain_params,
    explain_shapes,
    layer_totals,
)
from rnnedu.viz import attention_view, gate_explorer, generation_view, mask_view, merge_view  # noqa: E402

__all__ = [
    "attention",
    "attention_view",
    "cudnn",
    "datasets",
    "describe_environment",
    "draw_encoder_decoder",
    "draw_mask_flow",
    "draw_nested_states",
    "draw_unrolled",
    "environment",
    "exercises",
    "explain",
    "explain_fast_path",
    "explain_params",
    "explain_shapes",
    "gate_explorer",
    "generation_view",
    "in_colab",
    "language",
    "layer_totals",
    "load_devils_dictionary",
    "load_mnist",
    "load_tensorflow",
    "load_sunspots",
    "mask_view",
    "merge_view",
    "models",
    "reference",
    "setup",
    "viz",
]
