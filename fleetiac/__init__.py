"""fleetiac: static analysis of Azure Kubernetes Fleet Manager infrastructure code.

Every module lives under this one import name, so a user's own ``analyzer`` or ``policies`` package
(``PYTHONPATH=.`` in a repository that keeps Azure Policy definitions in ``policies/``) can never take
the place of ours. In the repository, ``fleetiac/analyzer`` and ``fleetiac/policies`` are links to the
top-level folders; a wheel or sdist holds them as ``fleetiac/analyzer/...`` and ``fleetiac/policies/...``.
"""

from fleetiac import _dataclass_code

# Before any of fleetiac's modules defines a dataclass: their generated methods' code is kept compiled.
_dataclass_code.install()
