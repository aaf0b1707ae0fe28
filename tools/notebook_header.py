"""Stamp the shared Colab cells into every notebook, from one repository URL.

Each notebook has a markdown cell tagged `colab-badge` (the "Open in Colab"
badge) and a code cell tagged `colab-setup` (on Colab: fetch the course and
install rnnedu without upgrading TensorFlow, Keras or ipywidgets; everywhere:
load TensorFlow quietly, or say what to do where it is missing). Their text is
made here from the URL in pyproject.toml, the one place it is written.

    python tools/notebook_header.py          # rewrite the two cells where they differ
    python tools/notebook_header.py --check  # exit 1 if any notebook is out of date
"""

import argparse
import json
import pathlib
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
CLONE = "/content/rnnedu"


def repository_url():
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["urls"]["Repository"]


def colab_url(url, notebook_name):
    """The address that opens a notebook of the repository at `url` in Google Colab."""
    path = url.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{path}/blob/main/notebooks/{notebook_name}"


def badge_source(url, notebook_name):
    target = colab_url(url, notebook_name)
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({target})"


def setup_source(url):
    return (
        "# On Google Colab: fetch the course (code and data) and install rnnedu without\n"
        "# upgrading Colab's TensorFlow, Keras or ipywidgets. Everywhere: load TensorFlow\n"
        "# without its start-up log lines, or say what to do if this runtime has none.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f"    !test -d {CLONE} || git clone --quiet --depth 1 {url} {CLONE}\n"
        f"    %pip install --quiet --no-deps -e {CLONE}\n"
        f'    sys.path.insert(0, "{CLONE}")\n'
        "\n"
        "import rnnedu  # noqa: E402\n"
        "\n"
        "rnnedu.load_tensorflow()"
    )


def stamp(path, url):
    """Return the notebook at `path` with its two Colab cells made from `url`."""
    notebook = json.loads(path.read_text())
    wanted = {"colab-badge": badge_source(url, path.name), "colab-setup": setup_source(url)}
    found = set()
    for cell in notebook["cells"]:
        for tag in set(cell.get("metadata", {}).get("tags", [])) & set(wanted):
            cell["source"] = wanted[tag].splitlines(keepends=True)
            found.add(tag)
    missing = set(wanted) - found
    if missing:
        raise SystemExit(f"{path}: no cell tagged {', '.join(sorted(missing))}")
    return notebook


def main():
    parser = argparse.ArgumentParser(description="Stamp the Colab badge and setup cell into the notebooks.")
    parser.add_argument("--check", action="store_true", help="only report notebooks that are out of date")
    args = parser.parse_args()
    url, stale = repository_url(), []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        text = json.dumps(stamp(path, url), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        if text != path.read_text():
            stale.append(path.name)
            if not args.check:
                path.write_text(text)
    if args.check and stale:
        print("Out of date (run python tools/notebook_header.py):", ", ".join(stale))
        sys.exit(1)


if __name__ == "__main__":
    main()
