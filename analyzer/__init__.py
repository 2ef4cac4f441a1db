"""fleetiac: static analysis of Azure Kubernetes Fleet Manager infrastructure code."""

__version__ = "0.1.0"
