resource "kubernetes_manifest" "placement" {
  manifest = {
    apiVersion = "placement.kubernetes-fleet.io/v1"
    kind       = "ClusterResourcePlacement"
    metadata   = { name = "team-a" }
    spec = {
      resourceSelectors = [{ group = "", version = "v1", kind = "Namespace", name = "team-a" }]
      policy            = { placementType = "PickAll" }
      strategy          = { type = "External" }
    }
  }
}

resource "kubernetes_manifest" "strategy" {
  manifest = {
    apiVersion = "placement.kubernetes-fleet.io/v1"
    kind       = "ClusterStagedUpdateStrategy"
    metadata   = { name = "canary-first" }
    spec = {
      stages = [
        { name = "canary", labelSelector = { matchLabels = { env = "canary" } },
          afterStageTasks = [{ type = "Approval" }] },
        { name = "prod", labelSelector = { matchLabels = { env = "prod" } } },
      ]
    }
  }
}

resource "kubernetes_manifest" "run" {
  manifest = {
    apiVersion = "placement.kubernetes-fleet.io/v1"
    kind       = "ClusterStagedUpdateRun"
    metadata   = { name = "team-a-rollout" }
    spec = {
      placementName             = "team-a"
      stagedRolloutStrategyName = "canary-first"
    }
  }
}
