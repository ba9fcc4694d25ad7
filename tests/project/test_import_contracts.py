"""The import-linter contracts (pyproject.toml) hold, and each one fails when its rule is broken.

Each case copies the code to a temporary directory, adds one import that breaks one rule, and
runs ``lint-imports`` there: the contract named must be the one reported broken.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("orders", "notifications", "warehouse", "webhooks", "shop", "delivery", "tests")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# (contract name, file to edit, import added at its end)
VIOLATIONS = [
    ("production code never imports the tests", "orders/selectors.py", "import tests.factories"),
    ("orders imports no app that consumes its signals", "orders/services.py", "import warehouse"),
    ("orders imports no app that consumes its signals", "orders/services.py", "import webhooks"),
    ("consuming apps never import each other", "warehouse/push.py", "import notifications.models"),
    ("consuming apps never import each other", "webhooks/services.py", "import warehouse.models"),
    (
        "consuming apps never import each other",
        "webhooks/tasks.py",
        "import notifications.services",
    ),
    (
        "shop composes the apps; shop.api and delivery know no app",
        "shop/api/errors.py",
        "import orders.models",
    ),
    (
        "shop composes the apps; shop.api and delivery know no app",
        "orders/views.py",
        "import shop.urls",
    ),
    (
        "shop composes the apps; shop.api and delivery know no app",
        "delivery/attempts.py",
        "import notifications.models",
    ),
    (
        "no import cycles inside any package",
        "notifications/services.py",
        "import notifications.tasks",
    ),
    ("no import cycles inside any package", "webhooks/services.py", "import webhooks.tasks"),
]


def lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("layout")
    shutil.copy(ROOT / "pyproject.toml", root)
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, root / package, ignore=shutil.ignore_patterns("__pycache__", "*.js")
        )
    return root


def test_the_contracts_hold():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not broken(result.stdout)
    assert result.stdout.count(" KEPT") == 5


@pytest.mark.parametrize(("contract", "path", "statement"), VIOLATIONS)
def test_each_contract_fails_when_broken(pristine, tmp_path, contract, path, statement):
    root = tmp_path / "tree"
    shutil.copytree(pristine, root)
    with (root / path).open("a") as module:
        module.write(f"\n{statement}  # noqa\n")

    result = lint(root)

    assert result.returncode == 1, result.stdout
    assert contract in broken(result.stdout)  # others may break too, through indirect imports


def broken(report: str) -> set[str]:
    return {
        line.removesuffix(" BROKEN") for line in report.splitlines() if line.endswith(" BROKEN")
    }


def test_every_project_module_of_shop_is_in_the_top_layer():
    """A new module under shop/ must join the contract's top layer, or shop.api if it is a
    convention, so that no app can import it unnoticed."""
    config = (ROOT / "pyproject.toml").read_text()
    top_layer = next(line for line in config.splitlines() if line.strip().startswith('"shop.apps'))
    listed = {name.strip() for name in top_layer.strip().strip('",').split(":")}
    present = {
        f"shop.{path.stem}"
        for path in (ROOT / "shop").iterdir()
        if path.name not in {"__init__.py", "api", "__pycache__", "templates", "static", "root"}
        and (path.suffix == ".py" or path.is_dir())
    }
    assert present == listed
