"""Refresh GraphiQL's vendored assets from npm: ``python -m tribe_service.graphiql.vendor``.

``just graphiql-assets`` runs it. For every package in
:data:`tribe_service.graphiql.PACKAGES` it fetches the pinned version with
``npm pack`` and copies the files the page loads and the licences into
``assets/<package>-<version>/``, replacing what was there.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from tribe_service.graphiql import ASSETS_DIR, PACKAGES, Package

LICENCE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE")


class VendorError(RuntimeError):
    """npm failed, or a package lacks a file or a licence."""


def npm_pack(spec: str, into: Path) -> Path:
    """Download ``spec``'s tarball with npm and unpack it; returns its ``package/`` folder."""
    try:
        result = subprocess.run(
            ["npm", "pack", spec, "--json", "--pack-destination", str(into)],
            check=True,
            capture_output=True,
            text=True,
        )
    except (OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", None) or error
        raise VendorError(f"npm pack {spec} failed: {detail}") from error
    tarball = into / json.loads(result.stdout)[0]["filename"]
    unpacked = into / tarball.name.removesuffix(".tgz")
    with tarfile.open(tarball) as archive:
        archive.extractall(unpacked, filter="data")
    return unpacked / "package"


def licence_of(package_dir: Path) -> Path | None:
    """The package's own licence file, if it ships one."""
    return next((package_dir / n for n in LICENCE_NAMES if (package_dir / n).is_file()), None)


def vendor(package: Package, work: Path, target: Path) -> None:
    """Copy one package's files and licences into ``target``."""
    source = npm_pack(package.spec, work)
    target.mkdir(parents=True)
    for file in package.files:
        if not (source / file).is_file():
            raise VendorError(f"{package.spec} has no {file}")
        shutil.copyfile(source / file, target / PurePosixPath(file).name)
    own = licence_of(source)
    if own is None and not package.licence_from:
        raise VendorError(f"{package.spec} ships no licence file and names none to use")
    if own is not None:
        shutil.copyfile(own, target / "LICENSE")
    for spec in package.licence_from:
        other = licence_of(npm_pack(spec, work))
        if other is None:
            raise VendorError(f"{spec} ships no licence file")
        name = spec.rpartition("@")[0].removeprefix("@").replace("/", "-")
        shutil.copyfile(other, target / f"LICENSE.{name}")


def main() -> None:
    """Replace ``assets/`` with freshly fetched files."""
    with tempfile.TemporaryDirectory(prefix="graphiql-assets-") as scratch:
        staging = Path(scratch) / "assets"
        for number, package in enumerate(PACKAGES):
            work = Path(scratch) / str(number)
            work.mkdir()
            vendor(package, work, staging / package.folder)
            files = sorted(path.name for path in (staging / package.folder).iterdir())
            print(f"{package.spec}: {', '.join(files)}")
        shutil.rmtree(ASSETS_DIR, ignore_errors=True)
        shutil.copytree(staging, ASSETS_DIR)


if __name__ == "__main__":
    try:
        main()
    except VendorError as error:
        print(error, file=sys.stderr)
        sys.exit(1)
