"""rnnedu: the helper package of an interactive course on recurrent networks in Keras 3.

The notebooks call it for what is not the lesson: setting up a session,
loading data, explaining shapes and parameter counts, showing gates, and
checking exercises. Keras itself is imported only when a
function needs it.
"""

import os

# Silence TensorFlow's C++ logging before anything imports TensorFlow.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from rnnedu import cudnn, datasets, exercises, explain, language, models, reference, viz  # noqa: E402
from rnnedu.cudnn import explain_fast_path  # noqa: E402
from rnnedu.datasets import load_devils_dictionary, load_mnist, load_sunspots  # noqa: E402
from rnnedu.environment import environment, in_colab, setup  # noqa: E402
from rnnedu.explain import draw_unrolled, explain_params, explain_shapes, layer_totals  # noqa: E402
from rnnedu.viz import gate_explorer, generation_view, mask_view, merge_view  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "cudnn",
    "datasets",
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
    "load_sunspots",
    "mask_view",
    "merge_view",
    "models",
    "reference",
    "setup",
    "viz",
]
