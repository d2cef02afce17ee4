"""The service plus one bare endpoint that takes the same body and does nothing with it, so
the validate endpoint can be compared with FastAPI's own floor in the same process."""

from pricing_api.app import create_app
from validators.bill import Bill


def create_bench_app():
    app = create_app()

    @app.post("/bench/bare")
    async def bare(bill: Bill) -> dict:
        return {"bill_id": bill.bill_id}

    return app
