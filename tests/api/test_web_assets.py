"""The pages the app serves to browsers load nothing from another host: GraphiQL's vendored assets and the pad."""

from __future__ import annotations

import base64
import hashlib
import re

from omnichannel.web import STATIC_DIR, ide_html

ASSET = re.compile(r'(?:src|href)="(/static/[^"]+)"\s+integrity="(sha\d+)-([^"]+)"')


def test_the_ide_page_names_only_vendored_assets_and_each_matches_its_integrity_hash():
    html = ide_html()
    assert "https://" not in html
    assets = ASSET.findall(html)
    assert len(assets) == 7, assets
    for path, algorithm, digest in assets:
        data = (STATIC_DIR / path.removeprefix("/static/")).read_bytes()
        assert base64.b64encode(hashlib.new(algorithm, data).digest()).decode() == digest, path
    for package in (
        "react@18.2.0",
        "react-dom@18.2.0",
        "js-cookie@3.0.5",
        "graphiql@3.8.3",
        "@graphiql/plugin-explorer@1.0.2",
    ):
        assert (STATIC_DIR / "graphiql" / package / "LICENSE").read_text().strip()


def test_the_pad_refers_to_nothing_outside_this_origin():
    for path in (STATIC_DIR / "pad").iterdir():
        text = path.read_text()
        assert not re.search(r"https?://", text), f"{path.name} names another host"


async def test_the_pad_and_its_assets_are_served_with_a_same_origin_policy(client):
    page = await client.get("/pad")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    assert '<script type="module" src="/static/pad/pad.js">' in page.text
    script = await client.get("/static/pad/pad.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert (await client.get("/static/pad/../../__init__.py")).status_code == 404
    assert (await client.get("/static/graphiql/graphiql@3.8.3/graphiql.min.js")).status_code == 200
