"""The row every benchmark reports, and the table the runner prints."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    target: str = ""
    ok: bool | None = None  # None: informative, no target

    def cells(self) -> list[str]:
        value = f"{self.value:,.0f}" if abs(self.value) >= 100 else f"{self.value:,.2f}"
        verdict = "" if self.ok is None else ("ok" if self.ok else "MISSED")
        return [self.name, f"{value} {self.unit}".strip(), self.target, verdict]


def table(rows: list[Figure]) -> str:
    header = ["figure", "value", "target", ""]
    cells = [header] + [r.cells() for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
