"""Live pod health: status reasons as kubectl shows them, per-service rollups, and the watch loop
that keeps them current (wizard.health.watch)."""
