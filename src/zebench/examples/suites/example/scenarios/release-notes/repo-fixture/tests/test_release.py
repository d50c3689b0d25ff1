import json
from pathlib import Path

import textkit

ROOT = Path(__file__).resolve().parent.parent


def test_versions_agree():
    release = json.loads((ROOT / "release.json").read_text())
    assert release["version"] == textkit.__version__


def test_release_is_1_3_0():
    assert textkit.__version__ == "1.3.0"
