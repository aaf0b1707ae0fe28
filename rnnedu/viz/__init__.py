"""Interactive views of what Keras keeps hidden, built from ipywidgets and matplotlib only.

One function per view, as a learner types it: `gate_explorer(layer, x)`.
Each view is a thin widget over two plain functions, one that computes the
data (a frozen dataclass: `GateData`, `MaskData`, `MergeData`) and one that
draws a frame (into the caller's Axes with `ax=`), so each can be used and
tested on its own.
"""

from rnnedu.viz.attention import AttentionData, AttentionView, attention_data, attention_view, plot_attention
from rnnedu.viz.bidirectional import MergeData, MergeView, merge_data, merge_view, plot_merge
from rnnedu.viz.gates import GateData, GateExplorer, gate_data, gate_explorer, plot_gates
from rnnedu.viz.generation import (
    GenerationData,
    GenerationView,
    generation_data,
    generation_view,
    plot_generation,
)
from rnnedu.viz.gradients import (
    GradientData,
    GradientView,
    gradient_data,
    gradient_view,
    plot_gradients,
    step_jacobians,
)
from rnnedu.viz.masks import MaskData, MaskView, mask_data, mask_view, plot_masks

__all__ = [
    "AttentionData",
    "AttentionView",
    "GateData",
    "GateExplorer",
    "GenerationData",
    "GenerationView",
    "GradientData",
    "GradientView",
    "MaskData",
    "MaskView",
    "MergeData",
    "MergeView",
    "attention_data",
    "attention_view",
    "gate_data",
    "gate_explorer",
    "generation_data",
    "generation_view",
    "gradient_data",
    "gradient_view",
    "mask_data",
    "mask_view",
    "merge_data",
    "merge_view",
    "plot_attention",
    "plot_gates",
    "plot_generation",
    "plot_gradients",
    "plot_masks",
    "plot_merge",
    "step_jacobians",
]
