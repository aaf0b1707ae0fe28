"""rnnedu: the helper package of an interactive course on recurrent networks in Keras 3.

The notebooks call it for what is not the lesson: setting up a session,
loading data, explaining shapes and parameter counts, showing gates, and
checking exercises. Keras itself is imported only when a
function needs it.
"""

import os

# Silence TensorFlow's C++ logging before anything imports TensorFlow.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from rnnedu import cudnn, datasets, exercises, explain, models, reference, viz  # noqa: E402
from rnnedu.cudnn import explain_fast_path  # noqa: E402
from rnnedu.datasets import load_mnist, load_sunspots  # noqa: E402
from rnnedu.environment import environment, in_colab, load_tensorflow, setup  # noqa: E402
from rnnedu.explain import (  # noqa: E402
    draw_encoder_decoder,
    draw_mask_flow,
    draw_nested_states,
    draw_unrolled,
    explain_params,
    explain_shapes,
    layer_totals,
)
from rnnedu.viz import gate_explorer, mask_view, merge_view  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "cudnn",
    "datasets",
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
    "in_colab",
    "layer_totals",
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
