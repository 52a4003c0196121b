"""The Traffic step: what exposes each published port on Kubernetes, where its names point, the
same request answered on both sides, and whether Compose still receives traffic."""
