"""Which item a line stands for, as `validators.context` finds it (对码): a code of the tables
(`code`, then `hilist_code`, then `hosplist_code`); else the hospital's published code maps,
then the province's (the latest version in effect first, 医保项目编码 before 医院项目编码 within
a version; a bare `code` looked up as both); else the code the line carries, unresolved.
Material and drug lines keep the code they carry.

`claims` is `lines` with `code` the item code, `code_sent` the code as sent, and `mapped` (the
item was found through a code map).  When no file carries hilist_code or hosplist_code and no
code map is published, the item code is the code sent: the view adds nothing to a scan.
"""

from __future__ import annotations

_SERVICE = "coalesce(l.category, 'service') = 'service'"
_SENT = "coalesce(l.code, l.hilist_code, l.hosplist_code)"

# The lines no table code resolves, matched to map entries by the code each map kind reads.
LINE_MAPS_SQL = f"""
CREATE OR REPLACE TABLE line_maps AS
WITH unresolved AS (
    SELECT l.file_no, l.row_no, l.fixmedins_code, l.service_date,
        coalesce(l.hilist_code, l.code) AS hilist_key, coalesce(l.hosplist_code, l.code) AS hosplist_key
    FROM lines l
    WHERE NOT l.bad AND {_SERVICE}
      AND NOT EXISTS (SELECT 1 FROM codes k WHERE k.code IN (l.code, l.hilist_code, l.hosplist_code))
), hits AS (
    SELECT u.file_no, u.row_no, e.item_code,
        {{'province': e.fixmedins_code IS NULL, 'version': e.version_rank, 'via': e.via_rank}} AS preference
    FROM unresolved u JOIN map_entries e ON e.via_rank = 0 AND e.sent = u.hilist_key
    WHERE e.effective_from <= u.service_date AND (e.fixmedins_code IS NULL OR e.fixmedins_code = u.fixmedins_code)
    UNION ALL
    SELECT u.file_no, u.row_no, e.item_code,
        {{'province': e.fixmedins_code IS NULL, 'version': e.version_rank, 'via': e.via_rank}}
    FROM unresolved u JOIN map_entries e ON e.via_rank = 1 AND e.sent = u.hosplist_key
    WHERE e.effective_from <= u.service_date AND (e.fixmedins_code IS NULL OR e.fixmedins_code = u.fixmedins_code)
)
SELECT file_no, row_no, arg_min(item_code, preference) AS item_code FROM hits GROUP BY file_no, row_no
"""


def claims_sql(other_codes: bool, code_maps: bool) -> str:
    """The view `claims` (see the module's doc)."""
    if not other_codes and not code_maps:
        return "CREATE OR REPLACE VIEW claims AS SELECT *, code AS code_sent, false AS mapped FROM lines"
    maps = "LEFT JOIN line_maps m ON m.file_no = l.file_no AND m.row_no = l.row_no" if code_maps else ""
    mapped = "m.item_code" if code_maps else "CAST(NULL AS VARCHAR)"
    return f"""
CREATE OR REPLACE VIEW claims AS
SELECT l.* EXCLUDE (code),
    CASE WHEN NOT {_SERVICE} THEN {_SENT} WHEN c1.code IS NOT NULL THEN l.code WHEN c2.code IS NOT NULL THEN l.hilist_code
         WHEN c3.code IS NOT NULL THEN l.hosplist_code ELSE coalesce({mapped}, {_SENT}) END AS code,
    l.code AS code_sent,
    {_SERVICE} AND c1.code IS NULL AND c2.code IS NULL AND c3.code IS NULL AND {mapped} IS NOT NULL AS mapped
FROM lines l
LEFT JOIN codes c1 ON c1.code = l.code LEFT JOIN codes c2 ON c2.code = l.hilist_code
LEFT JOIN codes c3 ON c3.code = l.hosplist_code
{maps}
"""
