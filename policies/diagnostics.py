"""Analyzer diagnostics (FIAC9xx): what the analyzer itself could not do. The engine reports these;
the entries here carry their metadata and documentation."""

from __future__ import annotations

from fleetiac.analyzer.rules import RuleContext, rule


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

    Nothing in the file was checked: findings it would have produced are missing, and every output
    format says so. The default gate (`--fail-on error`) does not fail on it; `--fail-on warning` does.
    A file that could not be read and whose text names a Fleet Manager resource type
    (`Microsoft.ContainerService/fleets...`, `azurerm_kubernetes_fleet_*`) is reported as an error
    instead, so the default gate fails rather than pass a fleet nobody checked
    (`unreadable-fleet-files = "warn"` in the configuration turns that off). Valid Bicep that fleetiac
    knows it does not read yet is named: `valid Bicep that fleetiac does not read yet: <construct>`.
    It is only ever about the
    input: an exception in fleetiac's own code is an internal error, not a FIAC901, and always
    exits 2.

    It cannot be suppressed inline (a `fleetiac:ignore FIAC901` directive is a FIAC903 and
    suppresses nothing) and is never recorded in or hidden by a baseline: nothing in the file is
    checked until it parses.

    ## Example

    ## Fix

    Correct the syntax (`terraform validate` and `az bicep build` show the same place).

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

    ## Fix

    Give the value statically: a default, a `terraform.tfvars` entry, `--var`, or a `.bicepparam`.

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
    after `--`, names no rule, names FIAC901 (a parse error cannot be suppressed), has an `until=`
    date that is not `YYYY-MM-DD`, or has an `until=` date before the evaluation date (`--as-of`,
    default today). The finding is on the comment.

    ## Why it matters

    An invalid suppression suppresses nothing, so the finding it was meant to silence is still
    reported; this warning says why. A typo in a rule ID never silently hides a finding, a suppression
    without a reason cannot be reviewed, and an expired one was a promise to fix the code by that date.

    ## Example

    ## Fix

    Name an existing rule (`fleetiac rules`), give the reason after `--`, and move or drop a past
    `until=` date (or fix the code and delete the comment).

    ## References

    - [Suppressing findings in fleetiac](https://github.com/fleetiac/fleetiac#use-in-ci)
    - [Checkov issue 90: a mistyped check ID in a skip comment](https://github.com/bridgecrewio/checkov/issues/90)
    """
