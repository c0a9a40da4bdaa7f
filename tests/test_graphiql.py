"""GraphiQL's page names no other origin, and the app serves every asset it loads."""

from __future__ import annotations

import base64
import hashlib
import re

from strawberry.http.ides import get_graphql_ide_html

from tribe_service.graphiql import (
    ASSETS_DIR,
    ASSETS_PATH,
    ONE_YEAR_SECONDS,
    PACKAGES,
    graphiql_html,
    subresource_integrity,
)

ABSOLUTE_URL = re.compile(r"\b(?:https?|wss?)://")
ATTRIBUTE_URL = re.compile(r'\b(?:src|href)="([^"]*)"')
TAG_WITH_INTEGRITY = re.compile(r'(?:src|href)="([^"]*)" integrity="([^"]*)"')


def page_assets() -> list[str]:
    return [url for url in ATTRIBUTE_URL.findall(graphiql_html()) if not url.startswith("data:")]


def test_the_page_names_no_other_origin():
    page = graphiql_html()
    assert "unpkg" not in page
    assert [match.group() for match in ABSOLUTE_URL.finditer(page)] == []
    assert page_assets()  # it does load scripts and stylesheets: same-origin ones
    assert all(url.startswith(f"{ASSETS_PATH}/") for url in page_assets())


def test_the_page_loads_every_vendored_script_and_stylesheet_in_order():
    expected = [f"{ASSETS_PATH}/{p.folder}/{f.name}" for p in PACKAGES for f in p.vendored()]
    styles = [url for url in expected if url.endswith(".css")]
    scripts = [url for url in expected if url.endswith(".js")]
    assert page_assets() == styles + scripts


def test_only_the_used_files_and_their_licences_are_vendored():
    for package in PACKAGES:
        folder = ASSETS_DIR / package.folder
        licences = {"LICENSE"} if (folder / "LICENSE").exists() else set()
        licences |= {f"LICENSE.{spec.rpartition('@')[0]}" for spec in package.licence_from}
        assert licences, f"{package.spec} has no licence"
        assert {path.name for path in folder.iterdir()} == {
            path.name for path in package.vendored()
        } | licences
    assert {path.name for path in ASSETS_DIR.iterdir()} == {p.folder for p in PACKAGES}


async def test_graphql_serves_the_offline_page(client):
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.text == graphiql_html()


async def test_the_app_serves_each_asset_with_long_caching_and_matching_integrity(client):
    tags = TAG_WITH_INTEGRITY.findall(graphiql_html())
    assert len(tags) == len(page_assets())
    for url, integrity in tags:
        response = await client.get(url)
        assert response.status_code == 200, url
        assert f"max-age={ONE_YEAR_SECONDS}" in response.headers["cache-control"]
        assert response.content == (ASSETS_DIR / url.removeprefix(f"{ASSETS_PATH}/")).read_bytes()
        digest = base64.b64encode(hashlib.sha384(response.content).digest()).decode()
        assert integrity == f"sha384-{digest}"


def test_the_vendored_bytes_are_those_strawberrys_own_page_pins():
    """Strawberry's CDN page carries SRI hashes: the same versions must have the same bytes."""
    pinned = dict(
        re.findall(r'"https://unpkg\.com/([^"]+)"\s+integrity="([^"]+)"', get_graphql_ide_html())
    )
    ours = {
        f"{package.spec}/{file}": subresource_integrity(path)
        for package in PACKAGES
        for file, path in zip(package.files, package.vendored(), strict=True)
    }
    shared = pinned.keys() & ours.keys()
    assert shared  # when our pins leave Strawberry's, this test has nothing left to compare
    assert {url: ours[url] for url in shared} == {url: pinned[url] for url in shared}
