"""GraphiQL served by the app itself, so that it works without internet.

Strawberry's page loads React and GraphiQL from unpkg; ours loads the same npm
packages, at the versions pinned in :data:`PACKAGES`, from files vendored under
``assets/`` (``just graphiql-assets`` refreshes them) and served at
:data:`ASSETS_PATH`. The page names no other origin. Each asset's URL holds its
package's version, so browsers may cache it for a year.
"""

from __future__ import annotations

import base64
import hashlib
import html
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
PAGE_TEMPLATE = Path(__file__).resolve().parent / "graphiql.html"
ASSETS_PATH = "/graphiql-assets"
ONE_YEAR_SECONDS = 365 * 24 * 3600
STYLESHEETS_MARKER = "<!-- STYLESHEETS -->"
SCRIPTS_MARKER = "<!-- SCRIPTS -->"


@dataclass(frozen=True)
class Package:
    """An npm package whose browser builds the page loads, in the page's order."""

    name: str
    version: str
    files: tuple[str, ...]
    """Paths inside the npm package; vendored under their base name."""
    licence_from: tuple[str, ...] = ()
    """``name@version`` of packages whose LICENSE also covers this one's files."""

    @property
    def spec(self) -> str:
        """What ``npm pack`` fetches."""
        return f"{self.name}@{self.version}"

    @property
    def folder(self) -> str:
        """Its folder under :data:`ASSETS_DIR` (and URL segment), version included."""
        return f"{self.name.removeprefix('@').replace('/', '-')}-{self.version}"

    def vendored(self) -> list[Path]:
        """The vendored files, in the page's order."""
        return [ASSETS_DIR / self.folder / PurePosixPath(file).name for file in self.files]


# The versions Strawberry's own GraphiQL page pins; scripts load in this order.
PACKAGES = (
    Package("react", "18.2.0", ("umd/react.production.min.js",)),
    Package("react-dom", "18.2.0", ("umd/react-dom.production.min.js",)),
    Package("js-cookie", "3.0.5", ("dist/js.cookie.min.js",)),
    Package("graphiql", "3.8.3", ("graphiql.min.css", "graphiql.min.js")),
    Package(
        "@graphiql/plugin-explorer",
        "1.0.2",
        ("dist/style.css", "dist/index.umd.js"),
        # It ships no licence file: MIT code of the graphiql monorepo that bundles graphiql-explorer.
        licence_from=("graphiql@3.8.3", "graphiql-explorer@0.9.0"),
    ),
)


def asset_url(path: Path) -> str:
    """The same-origin URL the app serves a vendored file at."""
    return f"{ASSETS_PATH}/{path.relative_to(ASSETS_DIR).as_posix()}"


def subresource_integrity(path: Path) -> str:
    """The ``integrity`` attribute value (SHA-384) of a vendored file."""
    digest = hashlib.sha384(path.read_bytes()).digest()
    return f"sha384-{base64.b64encode(digest).decode()}"


def _tag(path: Path) -> str:
    url = html.escape(asset_url(path))
    integrity = subresource_integrity(path)
    if path.suffix == ".css":
        return f'<link rel="stylesheet" href="{url}" integrity="{integrity}" />'
    return f'<script src="{url}" integrity="{integrity}"></script>'


@cache
def graphiql_html() -> str:
    """The GraphiQL page, loading only the vendored assets."""
    files = [path for package in PACKAGES for path in package.vendored()]
    page = PAGE_TEMPLATE.read_text(encoding="utf-8")
    for marker, suffix in ((STYLESHEETS_MARKER, ".css"), (SCRIPTS_MARKER, ".js")):
        tags = "\n    ".join(_tag(path) for path in files if path.suffix == suffix)
        page = page.replace(marker, tags)
    return page


def graphiql_assets_router() -> Router:
    """Serves the vendored files at :data:`ASSETS_PATH`, cacheable for a year."""
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[ASSETS_DIR],
        name="graphiql-assets",
        cache_control=CacheControlHeader(max_age=ONE_YEAR_SECONDS, public=True, immutable=True),
        include_in_schema=False,
    )
