import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

# The test helpers (postgres_server, ...) live beside the tests.
sys.path.insert(0, str(Path(__file__).parent))

# Runs keep England's bank holidays in the user's cache folder (marac_core.model.bank_holidays): the
# suite, and every marac it starts, keeps its own and leaves the user's alone.
_CACHE = tempfile.mkdtemp(prefix="marac-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)
