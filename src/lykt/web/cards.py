"""Information cards for the visitor's age: public, no cookie (the waiting room reads them)."""

from __future__ import annotations

from fastapi import APIRouter, Query

from lykt.actions.cards import MAX_AGE, cards_for
from lykt.web.deps import ServicesDep

router = APIRouter(prefix="/api")


@router.get("/cards")
async def cards(
    services: ServicesDep,
    age: int | None = Query(default=None, ge=0, le=MAX_AGE),
    lang: str | None = None,
) -> list[dict[str, str]]:
    """``[{slug, title, body}]`` for a visitor of ``age`` (absent: every card) in ``lang``
    (a language we do not have: the default one), in the order to show them. ``body`` is the
    small safe Markdown subset of ``actions.cards``: render it from text, never as HTML."""
    return [card.as_wire() for card in await cards_for(services.ctx, age, lang)]
