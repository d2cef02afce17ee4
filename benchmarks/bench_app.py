"""The service plus one bare endpoint that takes the same body and does nothing with it, so
the validate endpoint can be compared with FastAPI's own floor in the same process."""

from fastapi import Depends

from pricing_api.app import create_app
from pricing_api.auth import Permission
from pricing_api.deps import require
from validators.bill import Bill


def create_bench_app():
    """The bare endpoint has the same key check as the validate endpoint: what is compared is
    the work of judging the bill, not authentication."""
    app = create_app()

    @app.post("/bench/bare", dependencies=[Depends(require(Permission.VALIDATE_BILLS))])
    async def bare(bill: Bill) -> dict:
        return {"bill_id": bill.bill_id}

    return app
