"""The Kubernetes YAML front end: which objects it keeps, where it says they are, and the YAML it
must leave alone without a word."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from fleetiac.analyzer.discovery import discover
from fleetiac.analyzer.engine import ScanOptions, load, scan
from fleetiac.analyzer.frontends.yaml.canonical import parse_manifests
from fleetiac.analyzer.knowledge.kubernetes import wanted
from fleetiac.analyzer.values import Unknown

PLACEMENT = """\
# a comment first
apiVersion: placement.kubernetes-fleet.io/v1
kind: ClusterResourcePlacement
metadata:
  name: team-a
spec:
  policy:
    placementType: PickFixed
    clusterNames:
      - aks-west
      - aks-east
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ignored}
---
apiVersion: v1
kind: List
items:
  - apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: web, namespace: shop}
    spec:
      maxUnavailable: 0
"""


def test_multi_document_file_keeps_wanted_objects_with_positions() -> None:
    resources, error = parse_manifests(PLACEMENT, "k8s/app.yaml")
    assert error is None
    assert [(r.key, r.address, r.kind, r.language) for r in resources] == [
        ("k8s/app.yaml#0", "ClusterResourcePlacement/team-a", "manifest", "yaml"),
        ("k8s/app.yaml#2.items[0]", "PodDisruptionBudget/web", "manifest", "yaml"),
    ]
    crp, pdb = resources
    assert crp.props.api_version == "placement.kubernetes-fleet.io/v1"
    assert crp.props.manifest_kind == "ClusterResourcePlacement"
    assert crp.props.namespace is None
    assert crp.name == "team-a"
    assert crp.props.body["spec"]["policy"]["clusterNames"] == ["aks-west", "aks-east"]
    assert (crp.location.line, crp.location.column) == (2, 1)
    placement_type = crp.locations["spec.policy.placementType"]
    assert (placement_type.line, placement_type.column, placement_type.end_line, placement_type.end_column) == \
        (8, 5, 8, 29)
    assert crp.locations["spec.policy.clusterNames[1]"].line == 11
    assert pdb.props.namespace == "shop"
    assert pdb.props.body["spec"]["maxUnavailable"] == 0
    assert (pdb.locations["spec.maxUnavailable"].line, pdb.locations["spec.maxUnavailable"].column) == (24, 7)
    assert pdb.location.line == 20


def test_only_the_kinds_the_rules_read() -> None:
    assert wanted("placement.kubernetes-fleet.io/v1beta1", "ResourcePlacement")
    assert wanted("networking.fleet.azure.com/v1alpha1", "MultiClusterService")
    assert wanted("policy/v1", "PodDisruptionBudget")
    assert wanted("apps/v1", "StatefulSet")
    assert wanted("autoscaling/v2", "HorizontalPodAutoscaler")
    assert not wanted("v1", "ConfigMap")
    assert not wanted("apps/v1", "DaemonSet")
    assert not wanted(None, "Deployment")
    assert not wanted("apps/v1", 3)


def test_merge_keys_and_duplicate_keys_locate_the_value_that_wins() -> None:
    text = ("base: &base\n  replicas: 1\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
            "spec:\n  <<: {replicas: 5}\n  replicas: 3\n")
    [deployment], error = parse_manifests(text, "d.yaml")
    assert error is None
    assert deployment.props.body["spec"]["replicas"] == 3
    assert deployment.locations["spec.replicas"].line == 9


def test_alias_bomb_stays_fast() -> None:
    lines = ["apiVersion: apps/v1", "kind: Deployment", "metadata: {name: bomb}", "x0: &a0 [1, 1, 1, 1]"]
    lines += [f"x{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)]
    started = time.perf_counter()
    resources, error = parse_manifests("\n".join(lines) + "\n", "bomb.yaml")
    assert error is None and len(resources) == 1
    assert time.perf_counter() - started < 5


def test_syntax_error_in_a_manifest_is_a_diagnostic_with_line_and_column() -> None:
    text = PLACEMENT + "---\napiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: [1\n"
    resources, error = parse_manifests(text, "bad.yaml")
    assert [r.address for r in resources] == ["ClusterResourcePlacement/team-a", "PodDisruptionBudget/web"]
    assert error is not None
    assert error.location.path == "bad.yaml"
    assert (error.location.line, error.location.column) == (30, 1)  # the unclosed list meets the end
    assert error.message.startswith("cannot parse YAML")


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


NOT_KUBERNETES = {
    "ci/workflow.yml": "name: ci\non: [push]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: x\n",
    "chart/values.yaml": "kind: ClusterResourcePlacement\nreplicaCount: 2\n",
    "chart/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
    "docker-compose.yml": "services:\n  web:\n    image: nginx\n",
    "broken-values.yaml": "a: [1\n",
    "empty.yaml": "",
    "comments.yaml": "# nothing\n",
    "scalar.yaml": "just a string\n",
    "chart/templates/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
                                   "spec:\n  replicas: {{ .Values.replicaCount }}\n",
}


def test_yaml_that_is_not_kubernetes_gives_nothing_not_even_a_diagnostic(tmp_path: Path) -> None:
    root = _tree(tmp_path, NOT_KUBERNETES)
    (root / "binary.yaml").write_bytes(b"\xff\xfe\x00apiVersion\x00kind:")
    _, files = discover([root])
    assert {f.language for f in files} == {"yaml"}
    loaded = load(files)
    variants, diagnostics = loaded.variants, loaded.diagnostics
    assert variants == [[]]
    assert diagnostics == []
    report = scan([root], ScanOptions(as_of=date(2026, 11, 23)))
    assert report.findings == []


def test_manifest_syntax_error_is_fiac901(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"k8s/pdb.yaml": "apiVersion: policy/v1\nkind: PodDisruptionBudget\nspec:\n  x: [1\n"})
    report = scan([root], ScanOptions(select=("FIAC901",), as_of=date(2026, 11, 23)))
    assert [(f.rule_id, f.location.path.endswith("k8s/pdb.yaml"), f.location.line) for f in report.findings] == \
        [("FIAC901", True, 5)]


def test_yaml_manifests_join_every_variant_and_byte_order_mark_is_read(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"main.tf": 'resource "azurerm_kubernetes_fleet_manager" "fleet" {\n  name = "fleet"\n'
                                       '  location = "westeurope"\n  resource_group_name = "rg"\n}\n'})
    (root / "crp.yml").write_text("\ufeff" + PLACEMENT, encoding="utf-8")
    _, files = discover([root])
    loaded = load(files)
    variants, diagnostics = loaded.variants, loaded.diagnostics
    assert diagnostics == []
    for resources in variants:
        assert sorted(r.address for r in resources if r.kind == "manifest") == \
            ["ClusterResourcePlacement/team-a", "PodDisruptionBudget/web"]


def test_template_expressions_are_unknown_values() -> None:
    text = ('apiVersion: placement.kubernetes-fleet.io/v1\nkind: ClusterResourcePlacement\n'
            'metadata:\n  name: "{{ .Release.Name }}"\nspec:\n  policy:\n    placementType: PickFixed\n'
            '    clusterNames: ["{{ .Values.cluster }}", aks-west]\n')
    [crp], error = parse_manifests(text, "t.yaml")
    assert error is None
    assert isinstance(crp.name, Unknown)
    assert crp.address == "ClusterResourcePlacement/#0"
    names = crp.props.body["spec"]["policy"]["clusterNames"]
    assert isinstance(names[0], Unknown) and names[0].text == "{{ .Values.cluster }}"
    assert names[1] == "aks-west"
