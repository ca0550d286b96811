"""A helpline's own website may show the chat in a frame; nobody else, and never the console."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from lykt.app import create_app
from tests.conftest import make_settings


def frame_ancestors(response_csp: str) -> str:
    for directive in response_csp.split(";"):
        name, _, value = directive.strip().partition(" ")
        if name == "frame-ancestors":
            return value
    raise AssertionError(f"no frame-ancestors in {response_csp!r}")


def test_by_default_no_site_may_frame_any_page(client: TestClient) -> None:
    for path in ("/", "/staff", "/api/status"):
        assert frame_ancestors(client.get(path).headers["content-security-policy"]) == "'none'"


def test_configured_sites_may_frame_the_visitor_page_but_never_the_staff_console(
    tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(
        tmp_path,
        database_url,
        frame_ancestors=("https://www.example.no/", "http://localhost:8080"),
    )
    with TestClient(create_app(settings)) as client:
        visitor = client.get("/").headers["content-security-policy"]
        assert frame_ancestors(visitor) == "https://www.example.no http://localhost:8080"
        for path in ("/staff", "/api/status", "/static/visitor.js"):
            csp = client.get(path).headers["content-security-policy"]
            assert frame_ancestors(csp) == "'none'", path


@pytest.mark.parametrize(
    "bad", ["*", "https://*.example.no", "example.no", "https://example.no/chat", "javascript:x"]
)
def test_anything_but_an_exact_origin_is_refused_at_start(
    tmp_path: Path, database_url: str, bad: str
) -> None:
    with pytest.raises(ValidationError, match="is not an origin"):
        make_settings(tmp_path, database_url, frame_ancestors=(bad,))


def test_the_embedding_script_is_ours_and_small(client: TestClient) -> None:
    response = client.get("/static/embed.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        ("text/javascript", "application/javascript")
    )
    assert len(response.content) < 8 * 1024
    assert b"http" not in response.content.replace(b"https://CHAT-ADDRESS", b"")
