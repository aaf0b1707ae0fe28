"""What the visualizers of rnnedu.viz share: a figure that redraws fast, and a widget that leaves a picture.

A view draws into a matplotlib `Figure` of its own (not pyplot's, so nothing
else pops up) with the Agg renderer. The slow part of a frame, the axes, their
tick labels and the heatmaps, is drawn once into a cached background; moving a
slider restores that background and draws only the artists that move
(blitting), then sends the frame to an ipywidgets `Image` as a JPEG, which
encodes ten times faster than a PNG.

`WidgetView` shows as live widgets where a frontend runs them (JupyterLab,
Notebook, VS Code, Colab) and as the same PNG where none does (nbconvert,
nbval, GitHub's viewer), because its display bundle carries both.
"""

import base64
import io

import numpy as np

WIDGET_MIMETYPE = "application/vnd.jupyter.widget-view+json"
MAX_UNITS_SHOWN = 32  # the most units a heatmap of a view shows at once


class BlitCanvas:
    """An Agg canvas for `figure` that redraws only `moving` artists between frames.

    Args:
        figure: a `matplotlib.figure.Figure`.
        moving: the artists that change from frame to frame (markers, value labels).
        layers: groups of artists that change less often than `moving`, the
            rarest first (e.g. the y axes of a units range, then the heatmaps
            of a sample). Each group is drawn over the background and the
            groups below it, and cached with them until `invalidate_layer`
            marks it stale, so that a frame that changes only `moving`
            artists, or only an upper group, draws nothing below again.

    Attributes:
        layer_keys: one hashable or None per group, naming its current state
            (e.g. the layer shown); a state seen before, over the same named
            states below, is restored rather than drawn again.

    Example:
    >>> from matplotlib.figure import Figure
    >>> figure = Figure(figsize=(2, 1), dpi=50)
    >>> marker = figure.add_subplot().axvline(0.5)
    >>> canvas = BlitCanvas(figure, [marker])
    >>> canvas.render("png")[:4]
    b'\\x89PNG'
    """

    def __init__(self, figure, moving, layers=()):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.figure = figure
        self.canvas = FigureCanvasAgg(figure)
        self.moving = list(moving)
        self.layers = [list(group) for group in layers]
        self.layer_keys = [None] * len(self.layers)
        self._drawn = []  # bitmaps: the background, then each group over it, up to the first stale group
        self._kept = {}  # (group, its key and the keys below) -> bitmap

    def invalidate(self):
        """Mark the background stale: the next frame redraws everything."""
        self._drawn, self._kept = [], {}

    def invalidate_layer(self, index=0):
        """Mark group `index` of `layers`, and every group above it, stale."""
        del self._drawn[index + 1 :]

    def render(self, format="jpeg"):
        """Draw the current frame and return it encoded as "jpeg" or "png" bytes."""
        if not self._drawn:
            hidden = [artist for artist in self.moving + sum(self.layers, []) if artist.get_visible()]
            for artist in hidden:
                artist.set_visible(False)
            self.canvas.draw()
            self._drawn = [self.canvas.copy_from_bbox(self.figure.bbox)]
            for artist in hidden:
                artist.set_visible(True)
        for index in range(len(self._drawn) - 1, len(self.layers)):
            keys = tuple(self.layer_keys[: index + 1])
            bitmap = self._kept.get((index, keys)) if None not in keys else None
            if bitmap is None:
                self.canvas.restore_region(self._drawn[-1])
                for artist in self.layers[index]:
                    self.figure.draw_artist(artist)
                bitmap = self.canvas.copy_from_bbox(self.figure.bbox)
                if None not in keys:
                    self._kept[index, keys] = bitmap
            self._drawn.append(bitmap)
        self.canvas.restore_region(self._drawn[-1])
        for artist in self.moving:
            self.figure.draw_artist(artist)
        return encode(np.asarray(self.canvas.buffer_rgba()), format)


class WidgetView:
    """Controls above a figure, wired so that changing a control redraws the figure.

    Args:
        canvas: a `BlitCanvas` holding the figure.
        controls: dict of ipywidgets controls by name, shown in one row above
            the figure; each change of a `value`, or click of a `Button`,
            calls `update(name)`.
        update: function(name) that brings the figure (and `below`) up to
            date with the controls, given the name of the control that changed.
        below: widgets shown under the figure, e.g. an `HTML` with values.
        static: function() returning the PNG bytes shown where no widget
            frontend exists; None shows the current frame.

    Attributes:
        controls: the dict of controls; set `view.controls["step"].value`
            to move a view from code, as a learner would with the mouse.
        image: the ipywidgets `Image` that shows the current frame.
        widget: the `VBox` holding both.
    """

    def __init__(self, canvas, controls, update, below=(), static=None):
        import ipywidgets as widgets

        self.canvas = canvas
        self.controls = dict(controls)
        self._update = update
        self._static = static or (lambda: canvas.render("png"))
        # Fit the notebook's width: ipywidgets 7 (Colab) shows an image at full size and a row unwrapped.
        self.image = widgets.Image(value=canvas.render(), format="jpeg", layout={"max_width": "100%", "height": "auto"})
        row = widgets.HBox(list(self.controls.values()), layout={"flex_flow": "row wrap"})
        self.widget = widgets.VBox([row, self.image, *below])
        for name, control in self.controls.items():
            if isinstance(control, widgets.Button):  # a button has no value: each click is the change
                control.on_click(lambda _button, name=name: self._changed(name))
            else:
                control.observe(lambda _change, name=name: self._changed(name), names="value")

    @property
    def figure(self):
        """The matplotlib Figure the view draws into."""
        return self.canvas.figure

    def _changed(self, name):
        self._update(name)
        self.image.value = self.canvas.render()

    def _repr_mimebundle_(self, include=None, exclude=None):
        # Frontends with widgets show the live view; everything else shows the picture.
        return {
            "text/plain": f"<{type(self).__name__}: {', '.join(self.controls)}>",
            "image/png": base64.b64encode(self._static()).decode("ascii"),
            WIDGET_MIMETYPE: {"version_major": 2, "version_minor": 0, "model_id": self.widget.model_id},
        }


def control_options(description, slider=True):
    """The keyword arguments every view gives a control: a full-width label; sliders redraw on release."""
    options = {"description": description, "style": {"description_width": "initial"}}
    return options | ({"continuous_update": False} if slider else {})


def encode(rgba, format):
    """Encode an RGBA image array as "jpeg" (quality 92) or "png" bytes."""
    from PIL import Image

    buffer = io.BytesIO()
    options = {"quality": 92} if format == "jpeg" else {"compress_level": 6}
    height, width = rgba.shape[:2]
    # Read the RGBA buffer as it is and let PIL drop alpha: slicing [..., :3] first would copy it slowly.
    image = Image.frombuffer("RGBA", (width, height), np.ascontiguousarray(rgba), "raw", "RGBA", 0, 1)
    image.convert("RGB").save(buffer, format=format, **options)
    return buffer.getvalue()
