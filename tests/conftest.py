"""Suite-wide setup."""

from __future__ import annotations

import os
import tempfile

# The suite must never read or write the user's real cache (a stale entry there could hide a bug,
# and tests must not leave files in a home folder): every run gets its own cache folder, set before
# any test runs so in-process scans and spawned `fleetiac` processes alike use it.
os.environ["FLEETIAC_CACHE_DIR"] = tempfile.mkdtemp(prefix="fleetiac-test-cache-")
