"""Kubernetes vocabulary the rules share: the API groups that need a fleet hub, the workload kinds a
PodDisruptionBudget can select, and which objects the rules read at all."""

from __future__ import annotations

from typing import Any

HUB_API_GROUPS = ("placement.kubernetes-fleet.io", "networking.fleet.azure.com")
WORKLOAD_KINDS = {("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "ReplicaSet"),
                  ("extensions", "Deployment"), ("extensions", "ReplicaSet")}
AUTOSCALER = ("autoscaling", "HorizontalPodAutoscaler")
"""Read so that a workload whose replica count an autoscaler owns is not judged by ``replicas``."""


def api_group(api_version: Any) -> str | None:
    """``apps`` for ``apps/v1``, ``""`` for the core group (``v1``); None when not a string."""
    if not isinstance(api_version, str):
        return None
    return api_version.split("/", 1)[0] if "/" in api_version else ""


def wanted(api_version: Any, kind: Any) -> bool:
    """Whether a rule reads objects of this kind: placement and fleet networking objects (and those of
    the retired ``fleet.azure.com`` group), PodDisruptionBudgets, the workloads a PodDisruptionBudget
    can select, and their autoscalers."""
    group = api_group(api_version)
    if group is None or not isinstance(kind, str):
        return False
    return (group in HUB_API_GROUPS or group == "fleet.azure.com"
            or (group == "policy" and kind == "PodDisruptionBudget")
            or (group, kind) in WORKLOAD_KINDS or (group, kind) == AUTOSCALER)
