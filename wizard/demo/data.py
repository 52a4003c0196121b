"""The demo's copies: the Data step on the sample without a byte moved. Demo only.

The demo's volumes hold no files and its pods run nothing, so `wizard.data.run` hands a demo
copy here once every refusal a real copy would meet has been checked (writers still running, a
skipped volume): what the operator sees is the real step, and only the transfer is made up. It
reports progress over about `COPY_S` seconds (at once when the demo is settled: tests, snapshots),
through the same report a real copy uses, so a cancel stops it the same way, and it verifies.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from wizard.data.files import Progress
from wizard.data.plan import POSTGRES, DataRow
from wizard.demo.cluster import SETTLED_ENV
from wizard.demo.dockerhost import DEMO_VOLUME_BYTES
from wizard.storage.claims import format_bytes

COPY_S = 2.0  # how long a simulated copy takes, whatever the volume's size
TICKS = 20
# What the sample's database holds, for the summary (counts only, as a real copy says).
DEMO_TABLES, DEMO_ROWS = 7, 1_204_331
# About one file per 180 kB in the sample's uploads and indexes.
BYTES_PER_FILE = 180_000


def simulate_copy(row: DataRow, report: Callable[[Progress], None]) -> str:
    """The summary of a verified copy of `row`, once its progress was reported; `report`
    raises to cancel."""
    total = DEMO_VOLUME_BYTES.get(row.volume, 64 * 1024**2)
    progress = Progress(total)
    live = os.environ.get(SETTLED_ENV) != "1"
    for tick in range(1, TICKS + 1):
        if live:
            time.sleep(COPY_S / TICKS)  # the transfer the demo does not make
        progress.done = total * tick // TICKS
        report(progress)
    if row.method == POSTGRES:
        return f"{DEMO_TABLES} tables, {DEMO_ROWS:,} rows, simulated"
    return f"{max(1, total // BYTES_PER_FILE):,} files, {format_bytes(total)}, simulated"
