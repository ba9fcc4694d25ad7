"""The environment table in docs/README.md and ``.env.example`` name exactly the variables the
settings read, so a new variable cannot go undocumented and a removed one cannot linger."""

import ast
import re
from pathlib import Path

from tests.support.live_services import BASE_DIR

# The modules that read the environment for configuration: Django's settings and gunicorn's.
CONFIGURATION_MODULES = [BASE_DIR / "shop" / "settings.py", BASE_DIR / "shop" / "gunicorn_conf.py"]
READERS = {"env_bool", "env_list", "env_rate", "env_seconds", "env_secrets"}


def variables_read(module: Path) -> set[str]:
    """Names passed to ``os.environ.get``/``setdefault`` or the settings' ``env_*`` helpers,
    and ``DATABASE_URL``, which ``dj_database_url.config`` reads."""
    names = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        reads = (isinstance(func, ast.Name) and func.id in READERS) or (
            isinstance(func, ast.Attribute)
            and func.attr in {"get", "setdefault"}
            and ast.unparse(func.value) == "os.environ"
        )
        if ast.unparse(func) == "dj_database_url.config":  # reads DATABASE_URL itself
            names.add("DATABASE_URL")
            continue
        first = node.args[0] if node.args else None
        if reads and isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def documented_in_table() -> set[str]:
    """The backquoted names in the first column of the "Environment variables" table."""
    text = (BASE_DIR / "docs" / "README.md").read_text()
    section = text.split("### Environment variables", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def documented_in_env_example() -> set[str]:
    text = (BASE_DIR / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def read_by_settings() -> set[str]:
    return set().union(*(variables_read(module) for module in CONFIGURATION_MODULES))


def test_the_environment_table_names_every_variable_the_settings_read():
    read = read_by_settings()
    assert "DJANGO_STATIC_ROOT" in read, "the parser still finds the variables"

    assert documented_in_table() == read


def test_env_example_names_every_variable_the_settings_read():
    assert read_by_settings() <= documented_in_env_example()
