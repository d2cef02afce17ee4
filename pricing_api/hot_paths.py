"""The hot paths run as plain Starlette endpoints.

FastAPI's per-route machinery (dependency solving, body parsing, response validation) costs
about 40 µs a request — more than judging a 10-line bill.  The routes that HIS systems call
for every bill take only the `Request`, check the caller themselves (`deps.authorized`),
parse their body themselves (`bill_decoder`, `nhsa.request`) and return a finished `Response`,
so they need none of it.  They stay declared as FastAPI routes, which the OpenAPI spec
documents; the same endpoint functions are also mounted as plain routes in front of them,
which is what serves the requests.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.routing import Match, Route

from pricing_api.routes import bills, nhsa

HOT_PATHS = {
    "/v1/bills/validate": bills.validate_bill,
    "/v1/nhsa/3101": nhsa.analyse_3101,
    "/v1/nhsa/3102": nhsa.analyse_3102,
}


class PlainRoute(Route):
    """A Starlette route that names itself in the scope, as FastAPI's do, so the access log and
    the metrics label its requests with the route's template."""

    def matches(self, scope: Any) -> tuple[Match, Any]:
        match, child_scope = super().matches(scope)
        if match is not Match.NONE:
            child_scope["route"] = self
        return match, child_scope


def handle_plainly(app: FastAPI) -> None:
    app.router.routes[:0] = [PlainRoute(path, endpoint, methods=["POST"], include_in_schema=False)
                             for path, endpoint in HOT_PATHS.items()]
