"""``python -m survey_app.instance_setup``: give a fresh checkout its own secrets.

Runs before the app is created, because the app refuses to start with the default key.
Writes ``instance/config.py`` once with random keys; an existing file is never overwritten.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask


def ensure_instance_config() -> Path:
    instance = Path(Flask("survey_app", instance_relative_config=True).instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    config = instance / "config.py"
    if not config.exists():
        config.write_text(
            "# Written by survey_app.instance_setup; keep it secret, keep it stable.\n"
            f"SECRET_KEY = {secrets.token_hex(32)!r}\n"
            f"LINK_SECRET = {secrets.token_hex(32)!r}\n"
            f"DOSSIER_HASH_KEY = {secrets.token_hex(32)!r}\n",
            encoding="utf-8",
        )
        config.chmod(0o600)
    return config


if __name__ == "__main__":
    print(f"Instance configuration: {ensure_instance_config()}")
