"""Analyzer diagnostics (FIAC9xx): what the analyzer itself could not do. The engine reports these;
the entries here carry their metadata and documentation."""

from __future__ import annotations

from analyzer.rules import RuleContext, rule


@rule("FIAC901", "parse-error", "warning",
      "A file could not be read or parsed; the rest of the tree is still analysed.",
      tags=("analyzer",), engine_reported=True)
def parse_error(ctx: RuleContext) -> None:
    """
    ## What it finds

    A Terraform or Bicep file that could not be read (not UTF-8, too large, unreadable) or parsed
    (a syntax error, or syntax the parser does not support), at the line and column where reading
    stopped. Every other file is still analysed.

    ## Why it matters

    Nothing in the file was checked: findings it would have produced are missing. The default gate
    (`--fail-on error`) does not fail on it; `--fail-on warning` does.

    ## Example

    ```terraform
    resource "azurerm_kubernetes_fleet_manager" "fleet" {
      name = "fleet"
      location "westeurope"
    }
    ```

    ```bicep
    resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
      name: 'fleet'
      location: 'westeurope
    }
    ```

    ## Fix

    Correct the syntax (`terraform validate` and `az bicep build` show the same place).

    ```terraform
    resource "azurerm_kubernetes_fleet_manager" "fleet" {
      name     = "fleet"
      location = "westeurope"
    }
    ```

    ```bicep
    resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
      name: 'fleet'
      location: 'westeurope'
    }
    ```

    ## References

    - [Terraform configuration syntax](https://developer.hashicorp.com/terraform/language/syntax/configuration)
    - [Bicep file structure and syntax](https://learn.microsoft.com/azure/azure-resource-manager/bicep/file)
    """


@rule("FIAC902", "unknown-value", "note",
      "A decision was skipped because a value could not be resolved statically (--show-unknown).",
      tags=("analyzer",), engine_reported=True)
def unknown_value(ctx: RuleContext) -> None:
    """
    ## What it finds

    Shown only with `--show-unknown`: a check that was not made because a value it depends on cannot
    be known without deploying (a variable without a value, a data source attribute, a function the
    evaluator does not implement). The message names the rule and the value.

    ## Why it matters

    fleetiac never guesses: a rule whose decision depends on an unknown value stays silent. This
    list shows what was not checked, so a team can give the value (a default, a tfvars file, a
    `.bicepparam`) and let the rule decide.

    ## Example

    ```terraform
    variable "group" {
      type = string
    }

    resource "azurerm_kubernetes_fleet_manager" "fleet" {
      name                = "fleet"
      location            = "westeurope"
      resource_group_name = "rg-fleet"
    }

    resource "azurerm_kubernetes_fleet_update_strategy" "default" {
      name                        = "default"
      kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
      stage {
        name = "all"
        group {
          name = "prod"
        }
      }
    }

    resource "azurerm_kubernetes_fleet_member" "west" {
      name                  = "aks-west"
      kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
      kubernetes_cluster_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west"
      group                 = var.group
    }
    ```

    ```bicep
    param group string

    resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
      name: 'fleet'
      location: 'westeurope'
    }

    resource strategy 'Microsoft.ContainerService/fleets/updateStrategies@2025-03-01' = {
      parent: fleet
      name: 'default'
      properties: {
        strategy: {
          stages: [
            {
              name: 'all'
              groups: [ { name: 'prod' } ]
            }
          ]
        }
      }
    }

    resource west 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
      parent: fleet
      name: 'aks-west'
      properties: {
        clusterResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west'
        group: group
      }
    }
    ```

    ## Fix

    Give the value statically: a default, a `terraform.tfvars` entry, `--var`, or a `.bicepparam`.

    ```terraform
    variable "group" {
      type    = string
      default = "prod"
    }

    resource "azurerm_kubernetes_fleet_manager" "fleet" {
      name                = "fleet"
      location            = "westeurope"
      resource_group_name = "rg-fleet"
    }

    resource "azurerm_kubernetes_fleet_update_strategy" "default" {
      name                        = "default"
      kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
      stage {
        name = "all"
        group {
          name = "prod"
        }
      }
    }

    resource "azurerm_kubernetes_fleet_member" "west" {
      name                  = "aks-west"
      kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
      kubernetes_cluster_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west"
      group                 = var.group
    }
    ```

    ```bicep
    param group string = 'prod'

    resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
      name: 'fleet'
      location: 'westeurope'
    }

    resource strategy 'Microsoft.ContainerService/fleets/updateStrategies@2025-03-01' = {
      parent: fleet
      name: 'default'
      properties: {
        strategy: {
          stages: [
            {
              name: 'all'
              groups: [ { name: 'prod' } ]
            }
          ]
        }
      }
    }

    resource west 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
      parent: fleet
      name: 'aks-west'
      properties: {
        clusterResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west'
        group: group
      }
    }
    ```

    ## References

    - [Unknown values in fleetiac](https://github.com/fleetiac/fleetiac#what-is-evaluated)
    """


@rule("FIAC903", "invalid-suppression", "warning",
      "A fleetiac:ignore comment names an unknown rule, gives no reason, or has expired; it suppresses nothing.",
      tags=("analyzer",), engine_reported=True)
def invalid_suppression(ctx: RuleContext) -> None:
    """
    ## What it finds

    An inline suppression (`# fleetiac:ignore FIAC203 -- reason` in Terraform, `//` in Terraform and
    Bicep) that cannot be honoured: it names a rule ID that does not exist (a typo), gives no reason
    after `--`, names no rule, has an `until=` date that is not `YYYY-MM-DD`, or has an `until=` date
    before the evaluation date (`--as-of`, default today). The finding is on the comment.

    ## Why it matters

    An invalid suppression suppresses nothing, so the finding it was meant to silence is still
    reported; this warning says why. A typo in a rule ID never silently hides a finding, a suppression
    without a reason cannot be reviewed, and an expired one was a promise to fix the code by that date.

    ## Example

    ```terraform
    resource "azurerm_kubernetes_fleet_manager" "fleet" {
      name                = "fleet"
      location            = "westeurope"
      resource_group_name = "rg-fleet"
    }

    # fleetiac:ignore FIAC2O3 -- joins an update group in the next change
    resource "azurerm_kubernetes_fleet_member" "west" {
      name                  = "aks-west"
      kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
      kubernetes_cluster_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west"
    }
    ```

    ```bicep
    resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
      name: 'fleet'
      location: 'westeurope'
    }

    // fleetiac:ignore FIAC203 until=2026-01-31
    resource west 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
      parent: fleet
      name: 'aks-west'
      properties: {
        clusterResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west'
      }
    }
    ```

    ## Fix

    Name an existing rule (`fleetiac rules`), give the reason after `--`, and move or drop a past
    `until=` date (or fix the code and delete the comment).

    ```terraform
    resource "azurerm_kubernetes_fleet_manager" "fleet" {
      name                = "fleet"
      location            = "westeurope"
      resource_group_name = "rg-fleet"
    }

    # fleetiac:ignore FIAC203 -- joins an update group in the next change
    resource "azurerm_kubernetes_fleet_member" "west" {
      name                  = "aks-west"
      kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
      kubernetes_cluster_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west"
    }
    ```

    ```bicep
    resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
      name: 'fleet'
      location: 'westeurope'
    }

    // fleetiac:ignore FIAC203 until=2027-01-31 -- joins an update group in the next change
    resource west 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
      parent: fleet
      name: 'aks-west'
      properties: {
        clusterResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west'
      }
    }
    ```

    ## References

    - [Suppressing findings in fleetiac](https://github.com/fleetiac/fleetiac#use-in-ci)
    - [Checkov issue 90: a mistyped check ID in a skip comment](https://github.com/bridgecrewio/checkov/issues/90)
    """
