"""What the wizard keeps between runs: progress, acknowledgements, and the audit log."""
