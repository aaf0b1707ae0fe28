"""The promises of the README and the pins of the environment hold."""

import pathlib
import re
import subprocess
import tomllib

import pytest
from packaging.requirements import Requirement

ROOT = pathlib.Path(__file__).resolve().parent.parent
# What Colab ships (BRIEF.md): rnnedu must install there without upgrading any of it.
COLAB = {"tensorflow": "2.20.0", "keras": "3.13.2", "ipywidgets": "7.7.1"}


def project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pins(name):
    """{package: version} pinned in a requirements file."""
    lines = [line.split("#")[0].strip() for line in (ROOT / name).read_text().splitlines()]
    return {line.split("==")[0].lower(): line.split("==")[1] for line in lines if "==" in line}


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


def test_package_dependencies_are_ranges_with_a_lower_bound():
    for requirement in map(Requirement, project()["dependencies"]):
        operators = {spec.operator for spec in requirement.specifier}
        assert ">=" in operators and not operators & {"==", "==="}, requirement


@pytest.mark.parametrize("lane", ["Colab", "requirements.txt", "requirements-oldest.txt"])
def test_package_dependencies_admit_colabs_versions_and_both_pinned_lanes(lane):
    versions = COLAB if lane == "Colab" else pins(lane)
    requirements = {r.name.lower(): r for r in map(Requirement, project()["dependencies"])}
    assert set(COLAB) <= set(requirements)
    assert lane == "Colab" or set(requirements) <= set(versions), f"{lane} leaves a dependency unpinned"
    for name, version in versions.items():
        if name in requirements:
            assert requirements[name].specifier.contains(version), (
                f"{lane}: {name} {version} is outside {requirements[name]}"
            )


def test_pinned_lanes_would_fail_a_range_that_excludes_them():
    assert not Requirement("ipywidgets>=8").specifier.contains(COLAB["ipywidgets"])  # the check above can fail


def test_one_minimum_python_in_pyproject_and_the_makefile():
    minimum = project()["requires-python"].removeprefix(">=")
    shown = subprocess.run(
        ["make", "-s", "--no-print-directory", "--eval", "print-min-python: ; @echo $(MIN_PYTHON)", "print-min-python"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.stdout.strip() == minimum == "3.11"  # keras 3.15 requires Python 3.11
    assert "(3, 10)" not in (ROOT / "Makefile").read_text() and "(3, 11)" not in (ROOT / "Makefile").read_text()


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
