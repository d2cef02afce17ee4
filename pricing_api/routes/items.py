"""Item look-up for auditors."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query

from pricing_api.deps import CatalogDep
from pricing_api.errors import ErrorBody
from pricing_api.schemas.common import GradeParam, Offset
from pricing_api.schemas.items import ItemDetail, ItemPage, PriceHistoryEntry
from pricing_api.services import items as service

router = APIRouter(prefix="/v1/items", tags=["items"])
CodePath = Annotated[str, Path(min_length=1, max_length=40, description="项目编码, as text")]
AsOf = Annotated[dt.date | None, Query(description="Prices in effect on this date (YYYY-MM-DD); "
                                                   "omitted: each code's latest published version")]


@router.get("", response_model=ItemPage, responses={422: {"model": ErrorBody}})
async def search_items(
    catalog: CatalogDep,
    q: Annotated[str | None, Query(
        max_length=100, description="Code prefix, name substring, pinyin initials (搭桥 → dq) or full pinyin")] = None,
    grade: Annotated[GradeParam | None, Query()] = None,
    as_of: AsOf = None,
    document: Annotated[str | None, Query(max_length=200, description="Only items of this notice (文号)")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Offset = 0,
) -> ItemPage:
    """Find items by code prefix, name, or pinyin; best matches first."""
    return service.search_items(catalog, q=q, grade=grade, as_of=as_of, document=document, limit=limit, offset=offset)


@router.get("/{code}", response_model=ItemDetail, responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def get_item(code: CodePath, catalog: CatalogDep, as_of: AsOf = None,
             grade: Annotated[GradeParam | None, Query()] = None) -> ItemDetail:
    """One item: prices per grade, child prices, 内涵, 除外内容, 备注, rules, source and uncertain fields."""
    return service.item_detail(catalog, code, as_of=as_of, grade=grade)


@router.get("/{code}/history", response_model=list[PriceHistoryEntry], responses={404: {"model": ErrorBody}})
async def get_item_history(code: CodePath, catalog: CatalogDep) -> list[PriceHistoryEntry]:
    """Every published price of the code, oldest first."""
    return service.price_history(catalog, code)
