"""The Data step's core: moving each stateful Compose volume into the Kubernetes volume that
replaces it, and proving it arrived. `files` moves any volume as a tar stream and verifies it
file by file."""
