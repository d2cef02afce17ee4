"""The summary of a re-audit: outcomes, money, and findings with money at risk per rule, per
hospital and per item; small SQL aggregates over the job's tables."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

ZERO = Decimal("0")
REJECTED_KEPT = 100


@dataclass
class Summary:
    engine: str
    files: list[str]
    bills: int = 0
    lines: int = 0
    charged: Decimal = ZERO
    at_risk: Decimal = ZERO
    outcomes: Counter = field(default_factory=Counter)
    rejected_rows: int = 0
    rejected: list[dict] = field(default_factory=list)
    rules: defaultdict = field(default_factory=lambda: defaultdict(lambda: [0, ZERO]))
    hospitals: defaultdict = field(default_factory=lambda: defaultdict(lambda: {"bills": 0, "lines": 0, "charged": ZERO,
                                                                               "findings": 0, "at_risk": ZERO}))
    items: defaultdict = field(default_factory=lambda: defaultdict(lambda: [0, ZERO]))
    fallback_rules: list[str] = field(default_factory=list)
    rejected_file: str | None = None
    elapsed_seconds: float | None = None

    def fill(self, con: duckdb.DuckDBPyConnection, paths: list[Path]) -> None:
        """Totals from the job's tables (`reaudit.results`), each a small SQL aggregate."""
        totals = con.execute("SELECT count(*), coalesce(sum(lines), 0), coalesce(sum(charged), 0), "
                             "coalesce(sum(at_risk), 0) FROM bill_results").fetchall()[0]
        assert totals is not None
        self.bills, self.lines, self.charged, self.at_risk = int(totals[0]), int(totals[1]), Decimal(totals[2]), \
            Decimal(totals[3])
        self.outcomes = Counter(dict(con.execute("SELECT outcome, count(*) FROM bill_results GROUP BY outcome").fetchall()))
        for rule, n, amount in con.execute("SELECT rule, count(*), sum(amount_at_risk) FROM findings GROUP BY rule").fetchall():
            self.rules[rule] = [n, Decimal(amount)]
        for code, bills, lines, charged, at_risk in con.execute(
                "SELECT coalesce(fixmedins_code, ''), count(*), sum(lines), sum(charged), sum(at_risk) FROM bill_results "
                "GROUP BY ALL").fetchall():
            self.hospitals[code].update(bills=bills, lines=int(lines), charged=Decimal(charged), at_risk=Decimal(at_risk))
        for code, n in con.execute("SELECT coalesce(fixmedins_code, ''), count(*) FROM findings GROUP BY ALL").fetchall():
            self.hospitals[code]["findings"] = n
        for code, n, amount in con.execute("SELECT code, count(*), sum(amount_at_risk) FROM findings GROUP BY code").fetchall():
            self.items[code] = [n, Decimal(amount)]
        count = con.execute("SELECT count(*) FROM rejected_rows").fetchall()[0]
        self.rejected_rows = int(count[0]) if count else 0
        self.rejected = [{"file": str(paths[file_no]) if file_no is not None else None, "row": row, "bill_id": bill_id,
                          "reason": reason}
                         for file_no, row, bill_id, reason in con.execute(
                             f"SELECT * FROM rejected_rows ORDER BY file_no, row_no LIMIT {REJECTED_KEPT}").fetchall()]

    def as_dict(self) -> dict:
        def money(value: Decimal) -> str:
            return f"{value:.2f}"

        return {
            "engine": self.engine, "files": self.files, "bills": self.bills, "lines": self.lines,
            "outcomes": dict(self.outcomes), "charged": money(self.charged), "at_risk": money(self.at_risk),
            "rejected_rows": self.rejected_rows, "rejected": self.rejected, "rejected_file": self.rejected_file,
            "fallback_rules": self.fallback_rules,
            "findings": sum(n for n, _ in self.rules.values()),
            "by_rule": [{"rule": rule, "findings": n, "at_risk": money(amount)}
                        for rule, (n, amount) in sorted(self.rules.items(), key=lambda kv: (-kv[1][1], kv[0]))],
            "by_hospital": [{"fixmedins_code": code, **{k: money(v) if isinstance(v, Decimal) else v for k, v in h.items()}}
                            for code, h in sorted(self.hospitals.items(), key=lambda kv: (-kv[1]["at_risk"], kv[0]))],
            "by_item": [{"code": code, "findings": n, "at_risk": money(amount)}
                        for code, (n, amount) in sorted(self.items.items(), key=lambda kv: (-kv[1][1], kv[0]))],
            "elapsed_seconds": self.elapsed_seconds,
        }

    def table(self, top: int = 15) -> str:
        """The summary as plain-text tables for the console."""
        data = self.as_dict()
        out = [f"bills {data['bills']:,}  lines {data['lines']:,}  rejected rows {data['rejected_rows']:,}  "
               f"outcomes {data['outcomes']}",
               f"charged {data['charged']}  at risk {data['at_risk']}  findings {data['findings']:,}"]
        if data["fallback_rules"]:
            out.append("rules run by the Python fallback: " + ", ".join(data["fallback_rules"]))
        out.append(f"\n{'rule':<22} {'findings':>10} {'at risk':>16}")
        out += [f"{r['rule']:<22} {r['findings']:>10,} {r['at_risk']:>16}" for r in data["by_rule"]]
        out.append(f"\n{'hospital':<22} {'bills':>8} {'findings':>10} {'at risk':>16}")
        out += [f"{(h['fixmedins_code'] or '—'):<22} {h['bills']:>8,} {h['findings']:>10,} {h['at_risk']:>16}"
                for h in data["by_hospital"][:top]]
        out.append(f"\n{'item':<22} {'findings':>10} {'at risk':>16}")
        out += [f"{i['code']:<22} {i['findings']:>10,} {i['at_risk']:>16}" for i in data["by_item"][:top]]
        return "\n".join(out)
