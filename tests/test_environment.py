import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import rnnedu


def test_setup_prints_one_line_with_versions(capsys):
    rnnedu.setup(seed=3)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert f"TensorFlow {tf.__version__}" in lines[0] and f"Keras {keras.__version__}" in lines[0]
    assert f"backend {keras.backend.backend()}" in lines[0] and "Colab no" in lines[0]
    info = rnnedu.describe_environment()
    assert info["keras"] == keras.__version__ and info["colab"] is False and info["rnnedu"] == rnnedu.__version__


def test_setup_seeds_keras_and_numpy():
    def draw():
        layer = keras.layers.Dense(3)
        layer.build((None, 2))
        return layer.get_weights()[0], np.random.rand(3)

    rnnedu.setup(seed=11, verbose=False)
    first = draw()
    rnnedu.setup(seed=11, verbose=False)
    second = draw()
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])


def test_setup_turns_on_op_determinism():
    rnnedu.setup(verbose=False)
    from tensorflow.python.framework import config  # the check is not in the public API

    assert config.is_op_determinism_enabled()


def log_level_after_import(environment):
    """TF_CPP_MIN_LOG_LEVEL in a fresh Python (no conftest) after `import rnnedu`."""
    code = "import os, rnnedu; print(os.environ.get('TF_CPP_MIN_LOG_LEVEL'))"
    result = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


def test_importing_rnnedu_silences_tensorflow_logging_unless_the_learner_chose_a_level():
    clean = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    assert log_level_after_import(clean) == "3"
    assert log_level_after_import(clean | {"TF_CPP_MIN_LOG_LEVEL": "1"}) == "1"


def test_describe_environment_reports_the_devices_tensorflow_sees():
    gpus = tf.config.list_physical_devices("GPU")
    assert rnnedu.describe_environment()["device"] == (f"GPU x{len(gpus)}" if gpus else "CPU")


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"seed": -1}, ValueError, "`seed` must be an integer >= 0"),
        ({"seed": "1"}, TypeError, "`seed` must be an integer, got '1' \\(str\\)"),
        ({"deterministic": 1}, TypeError, "`deterministic` must be True or False"),
        ({"verbose": None}, TypeError, "`verbose` must be True or False"),
    ],
)
def test_setup_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        rnnedu.setup(**kwargs)


def _stderr_of(code):
    """What a fresh Python process writes to its standard error while running `code`."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    return result.stderr


def test_load_tensorflow_writes_nothing_to_stderr_where_a_plain_import_does():
    plain = _stderr_of("import tensorflow as tf; import keras; tf.config.list_physical_devices('GPU')")
    quiet = _stderr_of("import rnnedu; rnnedu.load_tensorflow(); import keras; keras.ops.ones(2)")
    assert "absl::InitializeLog" in plain or "oneDNN" in plain  # what a learner saw before
    assert quiet == ""


def test_load_tensorflow_says_what_to_do_without_tensorflow(monkeypatch):
    import importlib.util
    import sys

    monkeypatch.delitem(sys.modules, "tensorflow")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModuleNotFoundError, match="Change runtime type, pick CPU or a GPU"):
        rnnedu.load_tensorflow()


def test_setup_lets_ipython_show_a_figure_made_without_pyplot():
    import base64

    from IPython.core.interactiveshell import InteractiveShell
    from matplotlib.figure import Figure

    shell = InteractiveShell.instance()
    try:
        png = shell.display_formatter.formatters["image/png"]  # what a notebook kernel shows
        with pytest.raises(KeyError):
            png.lookup(Figure())  # nothing shows a Figure as a PNG before...
        rnnedu.setup(verbose=False)
        figure = Figure(figsize=(1, 1))
        figure.add_subplot().plot([0, 1])
        image = png.lookup(figure)(figure)  # ...and after setup() (base64 text in IPython 8, bytes in 7)
        assert (base64.b64decode(image) if isinstance(image, str) else image).startswith(b"\x89PNG")
    finally:
        InteractiveShell.clear_instance()
