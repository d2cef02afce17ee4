"""Logging as JSON lines on standard error, for `pricing-api serve`.

Access lines are already JSON (`access_log`); every other record becomes
{"event": "log", "level", "logger", "message"} — no tracebacks' local values, no bodies.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec

_ENCODE = msgspec.json.Encoder().encode


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        if record.name == "pricing_api.access":
            return record.getMessage()
        entry: dict[str, Any] = {"event": "log", "level": record.levelname.lower(), "logger": record.name,
                                 "message": record.getMessage()}
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__  # the kind only: a traceback may quote data
        return _ENCODE(entry).decode()


def log_config(level: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` for uvicorn: JSON everywhere, uvicorn's own access log off
    (the service writes one line per request itself)."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"json": {"()": "pricing_api.logging_setup.JsonFormatter"}},
        "handlers": {"stderr": handler},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "pricing_api": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }
