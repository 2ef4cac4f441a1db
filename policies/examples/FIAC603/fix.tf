resource "kubernetes_manifest" "crp" {
  manifest = {
    apiVersion = "placement.kubernetes-fleet.io/v1"
    kind       = "ClusterResourcePlacement"
    metadata = {
      name = "team-a"
    }
    spec = {
      resourceSelectors = [{ group = "", version = "v1", kind = "Namespace", name = "team-a" }]
      policy = {
        placementType    = "PickN"
        numberOfClusters = 2
      }
    }
  }
}
