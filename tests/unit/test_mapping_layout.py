"""The Mapping step's words and column arithmetic (screens.mapping_layout), without an App."""

from __future__ import annotations

from screens.mapping_layout import (
    MIN_PAGE_WIDTH,
    MIN_VALUE_WIDTH,
    counts_text,
    field_width,
    fits_counts,
    keyed,
    plural,
    value_widths,
)
from wizard.checks import Finding, Severity

LONG = "x" * 90


def test_wide_rooms_put_the_values_side_by_side_and_wrap_the_long_ones() -> None:
    widths, wrap = value_widths(159, 10, [("Compose", [LONG]), ("Kubernetes", ["short"])])
    assert wrap
    share = (159 - (7 + 2 + 10 + 2)) // 2 - 2
    assert share >= MIN_VALUE_WIDTH
    assert widths == (share, len("Kubernetes"))


def test_narrow_rooms_page_one_value_column_at_a_time() -> None:
    widths, wrap = value_widths(79, 10, [("Compose", [LONG]), ("Kubernetes", [LONG])])
    assert not wrap
    assert widths == (79 - (7 + 2 + 10 + 2) - 2,) * 2  # each column fills the room beside
    tiny, _ = value_widths(20, 10, [("Compose", [LONG])])
    assert tiny == (MIN_PAGE_WIDTH,)  # never narrower than a readable page


def test_short_values_keep_their_own_width_and_the_header_fits() -> None:
    widths, _ = value_widths(159, 5, [("Kubernetes", ["a"]), ("Compose", [])])
    assert widths == (len("Kubernetes"), len("Compose"))


def test_field_column_is_capped_and_never_narrower_than_its_label() -> None:
    assert field_width(["env"]) == len("Field")
    assert field_width(["a" * 50]) == 28
    assert field_width([], label="About") == len("About")


def test_the_findings_column_only_when_it_fits() -> None:
    rows = [("✖ block", "backend", "→ Deployment/email-rag-backend", "1 block, 2 warn")]
    needed = 7 + 2 + sum(len(c) + 2 for c in rows[0][1:]) + 1
    assert fits_counts(rows, needed)
    assert not fits_counts(rows, needed - 1)


def test_words() -> None:
    warn = Finding("a", Severity.WARN, "m")
    block = Finding("b", Severity.BLOCK, "m")
    assert counts_text([warn, block, warn]) == "1 block, 2 warn"
    assert counts_text([Finding("c", Severity.OK, "m")]) == "all ok"
    assert plural(1, "service") == "1 service" and plural(2, "service") == "2 services"
    assert keyed(["env", "image", "env"], lambda n: n) == [
        ("env", "env"),
        ("image", "image"),
        ("env#2", "env"),
    ]
