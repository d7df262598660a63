import sys
from pathlib import Path

# The test helpers (postgres_server, ...) live beside the tests.
sys.path.insert(0, str(Path(__file__).parent))
