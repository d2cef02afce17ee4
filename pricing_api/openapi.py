"""The exported OpenAPI document (stable text, so the committed file diffs cleanly)."""

import json

from pricing_api.app import create_app
from pricing_api.settings import Settings


def openapi_document() -> str:
    # Building the schema needs no database; the settings only keep the environment out.
    app = create_app(Settings(database_url="sqlite://", load_bundled=False))
    return json.dumps(app.openapi(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
