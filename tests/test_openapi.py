"""The committed spec is what the app serves: regenerate with `pricing-api export-openapi`."""

from pathlib import Path

from pricing_api.openapi import openapi_document

SPEC = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def test_committed_openapi_matches_the_app():
    assert SPEC.read_text(encoding="utf-8") == openapi_document(), (
        "openapi/openapi.json is out of date: run `pricing-api export-openapi`")
