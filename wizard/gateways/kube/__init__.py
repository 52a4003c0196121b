"""The Kubernetes API server: the kubeconfig, the Cluster gateway, and its errors explained."""
