"""The analysis library loads without the web stack (STYLE.md: analysis imports only the
standard library, numpy, pandas and scipy)."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import analysis

FORBIDDEN = ("flask", "sqlalchemy", "survey_app")
ROOT = Path(__file__).parents[2]


def test_every_analysis_module_imports_without_the_web_stack() -> None:
    modules = sorted(
        f"analysis.{module.name}" for module in pkgutil.iter_modules(analysis.__path__)
    )
    assert {"analysis.estimation", "analysis.sipas", "analysis.design"} <= set(modules)
    script = "\n".join(
        [
            "import importlib, sys",
            "import analysis",
            *(
                f"importlib.import_module({name!r})"
                for name in modules
                if name != "analysis.__main__"
            ),
            "print('\\n'.join(sorted(sys.modules)))",
        ]
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert "analysis.sipas" in loaded
    # startswith also catches the extensions (flask_login, flask_wtf, sqlalchemy_utils, ...).
    leaked = [name for name in loaded if name.lower().startswith(FORBIDDEN)]
    assert leaked == []
