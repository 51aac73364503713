"""Pages the app serves to browsers: the clerk pad at /pad and GraphiQL's assets, all from the package.

Rule: no page loads anything from another host. Store networks are often closed (and CDNs are
unreachable from many networks in mainland China), so a page that needs the internet shows
"Loading..." forever at the counter. GraphiQL's published builds are vendored under
`static/graphiql/<package>@<version>/` (their licences beside them) and strawberry's page is
rewritten to load them from `/static/graphiql/`; the pad is plain HTML, CSS and one module script.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from strawberry.http.ides import get_graphql_ide_html

__all__ = ["STATIC_DIR", "ide_html", "routes"]

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PREFIX = "/static"

# The pad talks to this origin only (HTTP and websockets); nothing inline, nothing from elsewhere.
PAD_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",  # the kiosk token lives in the fragment; never leak the page's URL
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}

_CDN_ASSET = re.compile(r'(src|href)="https://[^/"]+/')


@functools.cache
def ide_html() -> str:
    """strawberry's GraphiQL page with every CDN address pointing at the vendored copies.

    The page's integrity hashes stay: the vendored files are the published ones, byte for byte.
    """
    return _CDN_ASSET.sub(rf'\1="{STATIC_PREFIX}/graphiql/', get_graphql_ide_html("graphiql"))


async def pad_page(_: Request) -> Response:
    return FileResponse(STATIC_DIR / "pad" / "index.html", media_type="text/html", headers=PAD_HEADERS)


def routes() -> list[BaseRoute]:
    return [
        Route("/pad", pad_page, methods=["GET", "HEAD"]),
        Mount(STATIC_PREFIX, app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
