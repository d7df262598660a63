import sys
from pathlib import Path

# The test helpers (procedure_harness, ...) live beside the tests.
sys.path.insert(0, str(Path(__file__).parent))
