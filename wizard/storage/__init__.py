"""Storage: which PVC replaces each Compose named volume, and whether it is ready to take the data."""
