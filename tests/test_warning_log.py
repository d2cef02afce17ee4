"""The 3101 warnings queue: the same warning re-sent is written once, and nothing is lost when
the database is away."""

from __future__ import annotations

import anyio

from pricing_api.errors import ServiceUnavailable
from pricing_api.warning_log import WarningLog


def warning(jr_id: str) -> dict:
    return {"jr_id": jr_id, "rule": "PRICE_ABOVE_STANDARD", "rule_id": "GZ10000102001000", "result": "1",
            "fixmedins_code": "H1", "infno": "3101", "amount": 1}


class FakeDatabase:
    def __init__(self, up: bool = True):
        self.up = up
        self.written: list[list[dict]] = []

    async def write(self, fn, rows):
        if not self.up:
            raise ServiceUnavailable("down")
        self.written.append(list(rows))


def test_a_warning_sent_again_is_queued_once():
    log, db = WarningLog(), FakeDatabase()
    log.add([warning("a"), warning("b")])
    log.add([warning("a"), warning("c")])  # the same bill again (事前, then 事中), one new warning
    anyio.run(log.flush, db)
    assert [[row["jr_id"] for row in batch] for batch in db.written] == [["a", "b", "c"]]
    log.add([warning("b")])
    anyio.run(log.flush, db)
    assert len(db.written) == 1  # nothing new to write


def test_warnings_wait_for_the_database():
    log, db = WarningLog(), FakeDatabase(up=False)
    log.add([warning("a")])
    anyio.run(log.flush, db)
    assert db.written == []
    db.up = True
    anyio.run(log.flush, db)
    assert [[row["jr_id"] for row in batch] for batch in db.written] == [["a"]]
