"""The public API is declared: every module has `__all__`, and the notebooks use only names listed there."""

import ast
import importlib
import json
import pathlib
import pkgutil

import nbformat
import pytest

import rnnedu

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))  # every notebook, Part II's included
# The private modules every module may import from (rnnedu's one exception to "no sibling's private names").
SHARED_PRIVATE = {"rnnedu._validate", "rnnedu.viz._view"}


def public_modules():
    """Every module of rnnedu whose dotted name has no part starting with "_"."""
    names = ["rnnedu"] + [m.name for m in pkgutil.walk_packages(rnnedu.__path__, "rnnedu.")]
    return [importlib.import_module(name) for name in names if not any(p.startswith("_") for p in name.split("."))]


def code_of(notebook):
    """The Python source of a notebook's code cells, IPython's `!` and `%` lines left out."""
    cells = json.loads(pathlib.Path(notebook).read_text())["cells"]
    lines = [
        line
        for cell in cells
        if cell["cell_type"] == "code"
        for line in "".join(cell["source"]).splitlines()
        if not line.lstrip().startswith(("!", "%"))
    ]
    return "\n".join(lines)


def non_public_uses(source):
    """Every rnnedu name `source` uses that is not public, as "module.name".

    Public: a module whose dotted name has no part starting with "_", or a
    name listed in its module's `__all__`.
    """
    modules = {}  # local name -> the rnnedu module it is bound to
    problems = []

    def check(module, name):
        if name not in getattr(module, "__all__", ()):
            problems.append(f"{module.__name__}.{name}")
            return None
        return getattr(module, name, None)

    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "rnnedu":
                    module = _walk(alias.name.split("."), check)
                    if module is not None:
                        modules[alias.asname or "rnnedu"] = module if alias.asname else rnnedu
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "rnnedu":
            module = _walk(node.module.split("."), check)
            for alias in node.names if module is not None else []:
                value = _attribute(module, alias.name, check)
                if isinstance(value, type(rnnedu)):
                    modules[alias.asname or alias.name] = value
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            chain = []
            while isinstance(node, ast.Attribute):
                chain.insert(0, node.attr)
                node = node.value
            if isinstance(node, ast.Name) and node.id in modules:
                value = modules[node.id]
                for name in chain:
                    if not isinstance(value, type(rnnedu)):
                        break
                    value = _attribute(value, name, check)
    return sorted(set(problems))


def _attribute(module, name, check):
    """`module.name`: a public submodule, or a name its `__all__` lists (else `check` records a problem)."""
    if not name.startswith("_") and hasattr(module, "__path__"):
        try:
            return importlib.import_module(f"{module.__name__}.{name}")
        except ImportError:
            pass
    return check(module, name)


def _walk(parts, check):
    """The module `rnnedu.a.b` names, each part checked; None where a part is not a public module."""
    module = rnnedu
    for name in parts[1:]:
        module = _attribute(module, name, check)
        if not isinstance(module, type(rnnedu)):
            return None
    return module


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_uses_only_public_rnnedu_names(notebook):
    assert non_public_uses(code_of(notebook)) == []


def test_the_notebook_check_finds_private_and_unlisted_names(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("%pip install rnnedu\nimport rnnedu\nrnnedu.viz.gates._GateFrame"),
        nbformat.v4.new_code_cell("from rnnedu.viz import gates as g\ng.KINDS\nfrom rnnedu.bench import _time"),
        nbformat.v4.new_code_cell("import rnnedu.viz._view\nrnnedu.datasets.verify('sunspots.npz')"),
    ]
    path = tmp_path / "99_private.ipynb"
    nbformat.write(notebook, path)
    assert non_public_uses(code_of(path)) == [
        "rnnedu.bench._time",
        "rnnedu.viz._view",
        "rnnedu.viz.gates.KINDS",
        "rnnedu.viz.gates._GateFrame",
    ]


@pytest.mark.parametrize("module", public_modules(), ids=lambda m: m.__name__)
def test_every_module_declares_all_and_each_listed_name_exists(module):
    assert isinstance(module.__all__, list) and module.__all__, f"{module.__name__} declares no __all__"
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert not missing and len(set(module.__all__)) == len(module.__all__)


def package_imports():
    """(file, imported module, imported name or None) for every import statement inside rnnedu/."""
    found = []
    for path in sorted((ROOT / "rnnedu").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found += [(path, node.module, alias.name) for alias in node.names]
            elif isinstance(node, ast.Import):
                found += [(path, alias.name, None) for alias in node.names]
    return found


def test_nothing_in_the_package_imports_the_bench_command():
    importers = [
        str(path.relative_to(ROOT))
        for path, module, name in package_imports()
        if path.name != "bench.py" and (module == "rnnedu.bench" or (module == "rnnedu" and name == "bench"))
    ]
    assert importers == []


def test_no_module_imports_a_siblings_private_name():
    offending = [
        f"{path.relative_to(ROOT)}: from {module} import {name}"
        for path, module, name in package_imports()
        if module.startswith("rnnedu") and module not in SHARED_PRIVATE and name and name.startswith("_")
    ]
    assert offending == []


def test_a_module_and_a_function_never_share_a_name():
    for module in public_modules():
        for name in module.__all__:
            value = getattr(module, name)
            if callable(value) and not isinstance(value, type(rnnedu)):
                assert not hasattr(module, "__path__") or name not in {
                    m.name for m in pkgutil.iter_modules(module.__path__)
                }, f"{module.__name__}.{name} is a function and a submodule"
    assert isinstance(importlib.import_module("rnnedu.environment"), type(rnnedu))
    assert rnnedu.environment is importlib.import_module("rnnedu.environment")


def test_the_version_has_one_home_that_pyproject_reads():
    import importlib.metadata
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "rnnedu.__version__"}
    assert importlib.metadata.version("rnnedu") == rnnedu.__version__
