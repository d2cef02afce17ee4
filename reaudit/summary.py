"""The summary of a re-audit: outcomes, money, and findings with money at risk per rule, per
hospital and per item; gathered chunk by chunk so no engine keeps all findings in memory."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

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

    def reset(self) -> None:
        fresh = Summary(self.engine, self.files)
        fresh.fallback_rules = self.fallback_rules
        self.__dict__.update(fresh.__dict__)

    def add(self, findings: pa.Table, bills: pa.Table) -> None:
        for bill in bills.to_pylist():
            self.bills += 1
            self.lines += bill["lines"]
            self.charged += bill["charged"]
            self.at_risk += bill["at_risk"]
            self.outcomes[bill["outcome"]] += 1
            hospital = self.hospitals[bill["fixmedins_code"] or ""]
            hospital["bills"] += 1
            hospital["lines"] += bill["lines"]
            hospital["charged"] += bill["charged"]
            # per line at most once, up to what it charged (as the bill's total)
            hospital["at_risk"] += bill["at_risk"]
        grouped = findings.group_by(["rule"]).aggregate([("amount_at_risk", "sum"), ("rule", "count")])
        for row in grouped.to_pylist():
            self.rules[row["rule"]][0] += row["rule_count"]
            self.rules[row["rule"]][1] += row["amount_at_risk_sum"]
        for row in findings.group_by(["fixmedins_code"]).aggregate([("rule", "count")]).to_pylist():
            self.hospitals[row["fixmedins_code"] or ""]["findings"] += row["rule_count"]
        for row in findings.group_by(["code"]).aggregate([("amount_at_risk", "sum"), ("rule", "count")]).to_pylist():
            self.items[row["code"]][0] += row["rule_count"]
            self.items[row["code"]][1] += row["amount_at_risk_sum"]

    def add_rejected(self, rejected: pa.Table, paths: list[Path]) -> None:
        self.rejected_rows += rejected.num_rows
        room = REJECTED_KEPT - len(self.rejected)
        for row in rejected.slice(0, max(0, room)).to_pylist():
            self.rejected.append({"file": str(paths[row["file_no"]]), "row": row["row_no"], "bill_id": row["bill_id"],
                                  "reason": row["reason"]})

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
