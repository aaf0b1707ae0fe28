"""One-call notebook set-up: seeds, determinism, plot defaults and a version line."""

import contextlib
import importlib.metadata
import importlib.util
import os
import random
import sys

import numpy as np

from rnnedu._validate import check_bool, check_int

__all__ = ["describe_environment", "in_colab", "load_tensorflow", "setup"]

PLOT_STYLE = {
    "figure.figsize": (7.0, 3.5),
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "image.cmap": "viridis",
}


def in_colab():
    """Return True when running inside Google Colab.

    Returns:
        bool: whether the `google.colab` module is loaded, which Colab does
        in every notebook kernel.

    Example:
    >>> in_colab()
    False
    """
    return "google.colab" in sys.modules


def describe_environment():
    """Describe the software and hardware this session runs on.

    Returns:
        dict with the versions of rnnedu, TensorFlow (None when absent) and
        Keras, the Keras backend, the device Keras computes on ("CPU" or the
        accelerators found), and whether this is Google Colab.

    Example:
    >>> sorted(describe_environment())
    ['backend', 'colab', 'device', 'keras', 'rnnedu', 'tensorflow']
    """
    import keras

    backend = keras.backend.backend()
    import rnnedu

    return {
        "rnnedu": rnnedu.__version__,
        "tensorflow": _version("tensorflow"),
        "keras": keras.__version__,
        "backend": backend,
        "device": _device(backend),
        "colab": in_colab(),
    }


def setup(seed=42, deterministic=True, verbose=True):
    """Prepare a notebook: seed every generator, fix op order, set plot defaults.

    Call it once at the top of every notebook, after the imports. It seeds
    Python, NumPy and Keras (`keras.utils.set_random_seed`), turns on op
    determinism for the backend in use, applies the course's matplotlib
    defaults and prints one line describing the environment.

    Args:
        seed: int >= 0, the seed for every random generator.
        deterministic: bool, whether to make backend ops deterministic
            (slower on GPUs, but results repeat run after run).
        verbose: bool, whether to print the environment line.

    Example:
    >>> setup(seed=0, verbose=False)
    >>> np.random.randint(100)
    44
    """
    check_int("seed", seed, min_value=0, max_value=2**32 - 1)
    check_bool("deterministic", deterministic)
    check_bool("verbose", verbose)
    load_tensorflow()
    import keras
    import matplotlib

    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)
    if deterministic:
        _enable_determinism(keras.backend.backend())
    matplotlib.rcParams.update(PLOT_STYLE)
    _show_figures_inline()
    if verbose:
        print(_summary_line(describe_environment(), seed))


NO_TENSORFLOW = (
    "TensorFlow is not installed in this Python environment, and the course runs Keras on TensorFlow. "
    "On Colab: choose Runtime > Change runtime type, pick CPU or a GPU (not a TPU: Colab's TPU runtime has no "
    "TensorFlow), then run the notebook again from the top. Elsewhere: run `make lab` in a clone of the course, "
    "or `pip install -r requirements.txt` in your environment."
)


def load_tensorflow():
    """Import TensorFlow and Keras without TensorFlow's C++ start-up lines.

    As it loads and looks for GPUs, TensorFlow's C++ code writes lines such as
    "All log messages before absl::InitializeLog() is called are written to
    STDERR" and the oneDNN notice straight to the process's standard error
    (file descriptor 2), where no environment variable silences them all.
    This points descriptor 2 at the null device while TensorFlow and Keras
    load and TensorFlow lists its devices, then restores it: later warnings
    and errors are shown as usual. Calling it again does nothing more.

    Raises:
        ModuleNotFoundError: TensorFlow is not installed (as on Colab's TPU
            runtime), with what to do about it.

    Example:
    >>> load_tensorflow()
    >>> import sys
    >>> "tensorflow" in sys.modules
    True
    """
    if "tensorflow" in sys.modules and "keras" in sys.modules:
        return
    if importlib.util.find_spec("tensorflow") is None:
        raise ModuleNotFoundError(NO_TENSORFLOW, name="tensorflow")
    with _stderr_silenced():
        import keras  # noqa: F401  (loads TensorFlow, its backend)
        import tensorflow as tf

        tf.config.list_physical_devices("GPU")  # TensorFlow logs while it looks for GPUs, once


def _show_figures_inline():
    """In IPython, show a matplotlib Figure made without pyplot (as rnnedu's drawing functions return) as a PNG."""
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import select_figure_formats
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        select_figure_formats(shell, {"png"})


@contextlib.contextmanager
def _stderr_silenced():
    """Send file descriptor 2 (C and C++ code's standard error) to the null device, then restore it."""
    sys.stderr.flush()
    saved, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def _summary_line(info, seed):
    tensorflow = info["tensorflow"] or "not installed"
    colab = "yes" if info["colab"] else "no"
    return (
        f"rnnedu {info['rnnedu']} | TensorFlow {tensorflow} | Keras {info['keras']} | "
        f"backend {info['backend']} | device {info['device']} | Colab {colab} | seed {seed}"
    )


def _version(distribution):
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _device(backend):
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        return f"GPU x{len(gpus)}" if gpus else "CPU"
    if backend == "torch":
        import torch

        return f"GPU x{torch.cuda.device_count()}" if torch.cuda.is_available() else "CPU"
    if backend == "jax":
        import jax

        return jax.devices()[0].platform.upper()
    return "CPU"


def _enable_determinism(backend):
    if backend == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    elif backend == "torch":
        import torch

        torch.use_deterministic_algorithms(True, warn_only=True)
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
