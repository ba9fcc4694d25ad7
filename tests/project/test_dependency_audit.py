""".ci/audit.py turns pip-audit's report into a verdict; the service's answers are faked here."""

import importlib.util

import pytest

from tests.support.live_services import BASE_DIR

spec = importlib.util.spec_from_file_location("audit", BASE_DIR / ".ci" / "audit.py")
assert spec is not None
assert spec.loader is not None
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)

CLEAN = {"name": "django", "version": "5.2.19", "vulns": []}
VULNERABLE = {
    "name": "django",
    "version": "5.2.1",
    "vulns": [{"id": "PYSEC-0000-1", "fix_versions": ["5.2.2"]}],
}
SKIPPED = {"name": "private-lib", "skip_reason": "Dependency not found on PyPI"}
UNREACHABLE = (None, "ConnectionError: cannot resolve the service")


@pytest.fixture
def answers(monkeypatch):
    """Set what each vulnerability service answers, in the order they are asked."""

    def set_answers(*replies):
        pending = list(replies)
        monkeypatch.setattr(audit, "pip_audit", lambda service: pending.pop(0))

    return set_answers


def test_clean_requirements_pass(answers, capsys):
    answers(({"dependencies": [CLEAN, CLEAN]}, ""))
    assert audit.main() == 0
    assert "2 pinned packages audited, 0 known vulnerabilities" in capsys.readouterr().out


def test_a_known_vulnerability_fails(answers, capsys):
    answers(({"dependencies": [CLEAN, VULNERABLE]}, ""))
    assert audit.main() == 1
    assert "VULNERABLE django 5.2.1: PYSEC-0000-1 (fixed in 5.2.2)" in capsys.readouterr().out


def test_a_package_nobody_audited_fails(answers, capsys):
    answers(({"dependencies": [CLEAN, SKIPPED]}, ""))
    assert audit.main() == 1
    assert "NOT AUDITED private-lib" in capsys.readouterr().out


def test_the_next_service_is_asked_when_one_skips_everything(answers):
    answers(({"dependencies": [SKIPPED]}, ""), ({"dependencies": [VULNERABLE]}, ""))
    assert audit.main() == 1


@pytest.mark.parametrize(("required", "status"), [("", 0), ("1", 1)])
def test_unreachable_services_are_reported_and_fail_only_if_required(
    answers, capsys, monkeypatch, required, status
):
    monkeypatch.setenv("AUDIT_REQUIRED", required)
    answers(UNREACHABLE, ({"dependencies": [SKIPPED]}, ""))
    assert audit.main() == status
    out = capsys.readouterr().out
    assert "AUDIT NOT PERFORMED" in out
    assert "pypi: ConnectionError" in out
    assert "osv: every package skipped" in out
