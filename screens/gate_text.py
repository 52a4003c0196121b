"""The Gate step's words: the down preview, down's progress and its result, apart from the
widgets. No Textual here, so unit tests reach them without an App."""

from __future__ import annotations

from collections.abc import Sequence

from wizard.gate import Acknowledgement, DownPreview, DownProgress, DownResult
from wizard.state.audit import AuditLog, MemoryAuditLog

_GLYPH = {"started": "…", "done": "✔", "gone": "✔", "failed": "✖"}


def when_shown(ack: Acknowledgement) -> str:
    return ack.when.replace("T", " ").replace("+00:00", " UTC")


def preview_lines(preview: DownPreview) -> list[str]:
    """What down removes (containers, one-offs apart, networks) and keeps (volumes, images)."""
    lines = [f"Removes {len(preview.containers)} container(s) (stopped first):"]
    lines += [f"  {c.name}  ({c.service}, {c.state})" for c in preview.containers]
    if preview.one_off:
        lines.append(f"Removes {len(preview.one_off)} one-off container(s) (docker compose run):")
        lines += [f"  {c.name}  ({c.service}, {c.state})" for c in preview.one_off]
    else:
        lines.append("One-off containers (docker compose run): none")
    lines.append(f"Removes {len(preview.networks)} network(s) Compose created for it:")
    lines += [f"  {n.name}" for n in preview.networks]
    if preview.external_networks:
        external = ", ".join(n.name for n in preview.external_networks)
        lines.append(f"Leaves external network(s) alone: {external}")
    lines.append(
        f"Keeps every named volume ({len(preview.volumes)}), the rollback; size not measured:"
    )
    lines += [f"  {v.name}" for v in preview.volumes]
    lines.append(f"Keeps every image ({len(preview.images)}):")
    lines += [f"  {i}" for i in preview.images]
    lines.append(f"The same as, for the record: {preview.command}")
    if preview.nothing_to_do:
        lines.append("Nothing to take down: no container or network of this project is left.")
    return lines


def progress_line(event: DownProgress) -> str:
    """One step of down as it goes: "[2/9] ✔ stop email-rag-backend-1"."""
    glyph = _GLYPH.get(event.outcome, "•")
    extra = " (already done)" if event.outcome == "gone" else ""
    return f"[{event.index}/{event.total}] {glyph} {event.step.describe()}{extra}"


def result_lines(result: DownResult, rollback_steps: Sequence[str], audit: AuditLog) -> list[str]:
    """After down: the outcome, the rollback, what was removed and kept, the audit, the record."""
    if result.ok:
        lines = [f"✔ Compose project {result.project} is down: no container of it remains.", ""]
        lines += [*rollback_steps, ""]
        lines.append(f"Removed: {', '.join(result.removed) or 'nothing (it was already down)'}")
    else:
        lines = [
            f"✖ Down of {result.project} stopped midway: nothing is lost, and typing the name "
            "again resumes it where it stopped.",
        ]
    kept = ", ".join(v.name for v in result.kept_volumes) or "none"
    lines.append(f"Kept: every named volume ({kept}) and every image.")
    where = "demo: kept in memory" if isinstance(audit, MemoryAuditLog) else str(audit.path)
    lines.append(f"Audit: one record written ({where}).")
    lines += ["", "What was and was not done:", *result.report()]
    return lines
