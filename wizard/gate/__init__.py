"""The gate (every check again, now) and Compose down (previewed, confirmed, resumable, audited)."""

from wizard.gate.down import (
    DownProgress,
    DownResult,
    DownStep,
    GateClosed,
    NotConfirmed,
    Rollback,
    plan_down,
    rollback,
    start_order,
    stop_order,
    take_down,
)
from wizard.gate.preview import DownPreview, confirms, down_command, preview_down
from wizard.gate.verdict import (
    Acknowledgement,
    GateItem,
    GateVerdict,
    acknowledge,
    combine,
    evaluate_gate,
    load_acknowledgements,
    save_acknowledgements,
)

__all__ = [
    "Acknowledgement",
    "DownPreview",
    "DownProgress",
    "DownResult",
    "DownStep",
    "GateClosed",
    "GateItem",
    "GateVerdict",
    "NotConfirmed",
    "Rollback",
    "acknowledge",
    "combine",
    "confirms",
    "down_command",
    "evaluate_gate",
    "load_acknowledgements",
    "plan_down",
    "preview_down",
    "rollback",
    "save_acknowledgements",
    "start_order",
    "stop_order",
    "take_down",
]
