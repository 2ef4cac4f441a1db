resource "kubernetes_manifest" "web_pdb" {
  manifest = { # expect: FIAC601
    apiVersion = "policy/v1"
    kind       = "PodDisruptionBudget"
    metadata = {
      name      = "web"
      namespace = "shop"
    }
    spec = {
      maxUnavailable = 0
      selector = {
        matchLabels = { app = "web" }
      }
    }
  }
}
