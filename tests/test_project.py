"""The promises of the README and the pins of the environment hold."""

import pathlib
import re
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def quick_start_commands():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```(?:sh|bash)?\n(.*?)```", section, re.S).group(1)
    return [line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_readme_quick_start_is_exactly_make_lab_and_make_test():
    assert quick_start_commands() == ["make lab", "make test"]


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_requirements_pin_every_package_exactly():
    lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    requirements = [line for line in lines if line]
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.]*", r) for r in requirements), requirements
    names = {r.split("==")[0].lower() for r in requirements}
    needed = {"tensorflow", "keras", "jupyterlab", "ipywidgets", "matplotlib", "pandas", "numpy", "nbval", "pytest"}
    assert needed <= names


def test_pinned_versions_are_the_ones_the_course_teaches():
    pins = dict(line.split("==") for line in (ROOT / "requirements.txt").read_text().split() if "==" in line)
    assert pins["tensorflow"].startswith("2.21.") and pins["keras"].startswith("3.15.")


def test_package_dependencies_are_ranges_that_colab_satisfies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dependencies = project["dependencies"]
    assert not any("==" in d for d in dependencies)
    assert "tensorflow>=2.16" in dependencies
    assert "ipywidgets>=7.7,<9" in dependencies


def test_data_readme_lists_every_recorded_checksum():
    readme = (ROOT / "data" / "README.md").read_text()
    for line in (ROOT / "data" / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        assert name in readme and digest in readme, f"data/README.md does not give the sha256 of {name}"


def test_course_map_links_every_notebook_in_jupyterlab_and_on_colab():
    import importlib.util
    import json

    spec = importlib.util.spec_from_file_location("notebook_header", ROOT / "tools" / "notebook_header.py")
    header = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(header)
    start = json.loads((ROOT / "notebooks" / "00_start_here.ipynb").read_text())
    text = "\n".join("".join(cell["source"]) for cell in start["cells"] if cell["cell_type"] == "markdown")
    course_map = text.split("## The map of the course", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| \[(\w+)\]\((\w+\.ipynb)\) · \[Colab\]\((\S+)\) \|", course_map, re.M)
    notebooks = sorted(path.name for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [link for _, link, _ in rows] == notebooks  # one row per notebook, in order, each a relative link
    for name, link, colab in rows:
        assert link == f"{name}.ipynb" and colab == header.colab_url(header.repository_url(), link)
