resource "kubernetes_manifest" "web_pdb" {
  manifest = {
    apiVersion = "policy/v1"
    kind       = "PodDisruptionBudget"
    metadata = {
      name      = "web"
      namespace = "shop"
    }
    spec = {
      maxUnavailable = 1
      selector = {
        matchLabels = { app = "web" }
      }
    }
  }
}
