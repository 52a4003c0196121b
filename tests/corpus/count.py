"""The corpus' false-alarm figure: `python -m tests.corpus.count` (from the repository root).

A false alarm is a warn or block row nothing is wrong behind: every warn/block row of a faithful
conversion (`faithful: true`), and every warn/block row of a planted project that no `must` (held
or pending) names. The rate is false alarms over all warn/block rows the corpus prints, with the
built-in loader. `--print-plans` prints every project's text plan instead (the temporary folder
replaced by `<corpus>`), for comparing runs under different hash seeds.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.corpus.runner import (
    PROJECTS,
    explained,
    load_expect,
    matches,
    problem_rows,
    run_plan,
)


@dataclass
class Figures:
    projects: int = 0
    faithful: int = 0
    faithful_rows: int = 0  # every row of the faithful projects' plans
    warn_block_rows: int = 0  # over the whole corpus
    false_alarms: list[str] = field(default_factory=list)  # "project: row"
    # Those a `pending` must_not names: a known gap, each with the engineer's note.
    known: dict[str, str] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return len(self.false_alarms) / self.warn_block_rows if self.warn_block_rows else 0.0

    def report(self) -> str:
        lines = [
            f"{self.projects} projects, {self.faithful} of them faithful conversions "
            f"({self.faithful_rows} rows compared)",
            f"warn/block rows over the corpus: {self.warn_block_rows}",
            f"false alarms: {len(self.false_alarms)} ({100 * self.rate:.1f}% of warn/block rows)",
        ]
        lines += [
            f"  {alarm}" + (f" (pending: {self.known[alarm]})" if alarm in self.known else "")
            for alarm in self.false_alarms
        ]
        return "\n".join(lines)

    @property
    def rate_once_gaps_close(self) -> float:
        """The rate when every false alarm a pending expectation names is gone."""
        unknown = len(self.false_alarms) - len(self.known)
        return unknown / self.warn_block_rows if self.warn_block_rows else 0.0


def count(work: Path) -> Figures:
    figures = Figures()
    for name in PROJECTS:
        expect = load_expect(name)
        outcome = run_plan(name, work, None)
        figures.projects += 1
        problems = problem_rows(outcome)
        figures.warn_block_rows += len(problems)
        if expect["faithful"]:
            figures.faithful += 1
            figures.faithful_rows += len(outcome.rows)
            false = problems
        else:
            false = [r for r in problems if not explained(r, expect)]
        for row in false:
            alarm = f"{name}: {row.service} {row.check} {row.severity}"
            figures.false_alarms.append(alarm)
            for item in expect.get("pending", []):
                if "must_not" in item and matches(item["must_not"], row):
                    figures.known[alarm] = item["gap"]
    return figures


def print_plans(work: Path) -> None:
    for name in PROJECTS:
        outcome = run_plan(name, work, None)
        text = f"== {name}: exit {outcome.exit}\n{outcome.text}{outcome.stderr}"
        sys.stdout.write(text.replace(str(work), "<corpus>"))


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as folder:
        if "--print-plans" in argv:
            print_plans(Path(folder))
        else:
            print(count(Path(folder)).report())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
