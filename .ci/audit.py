"""Audit the pinned requirements for known vulnerabilities with pip-audit.

Exit 1 on any known vulnerability, and on any pinned package that could not be audited while
the others could (a package missing from the index is a package nobody checked).

pip-audit alone reports "No known vulnerabilities found" and exits 0 when the vulnerability
service answered nothing for any package, so this script looks at what was audited. It asks
PyPI's service, then OSV's. When neither can audit anything (no network, or an index mirror
without PyPI's per-version JSON API), it prints AUDIT NOT PERFORMED with the reasons and exits
0, or 1 with AUDIT_REQUIRED=1: an unreachable service is not a vulnerability, and CI on a
machine without it must still be able to pass.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
REQUIREMENTS = ["requirements/base.txt", "requirements/dev.txt"]
SERVICES = ["pypi", "osv"]


def pip_audit(service: str) -> tuple[dict | None, str]:
    """pip-audit's JSON report from one service, or None and why there is none."""
    command = [sys.executable, "-m", "pip_audit", "--format", "json", "--progress-spinner", "off"]
    command += ["--disable-pip", "--no-deps", "--vulnerability-service", service]
    for requirements in REQUIREMENTS:
        command += ["--requirement", requirements]
    result = subprocess.run(command, cwd=BASE_DIR, capture_output=True, text=True, timeout=600)
    try:
        return json.loads(result.stdout), ""
    except json.JSONDecodeError:
        error = result.stderr.strip().splitlines() or [f"exit status {result.returncode}"]
        return None, error[-1]


def main() -> int:
    reasons = []
    for service in SERVICES:
        report, error = pip_audit(service)
        if report is None:
            reasons.append(f"{service}: {error}")
            continue
        dependencies = report["dependencies"]
        skipped = [dep for dep in dependencies if "skip_reason" in dep]
        if len(skipped) == len(dependencies):
            reasons.append(f"{service}: every package skipped, e.g. {skipped[0]['skip_reason']}")
            continue
        vulnerable = [dep for dep in dependencies if dep.get("vulns")]
        for dep in vulnerable:
            for vuln in dep["vulns"]:
                fixed = ", ".join(vuln["fix_versions"]) or "no fix yet"
                print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
        for dep in skipped:
            print(f"NOT AUDITED {dep['name']}: {dep['skip_reason']}")
        audited = len(dependencies) - len(skipped)
        print(
            f"pip-audit ({service}): {audited} pinned packages audited, "
            f"{sum(len(dep['vulns']) for dep in vulnerable)} known vulnerabilities, "
            f"{len(skipped)} not audited"
        )
        return 1 if vulnerable or skipped else 0

    print("AUDIT NOT PERFORMED: no vulnerability service could audit the requirements.")
    for reason in reasons:
        print(f"  {reason}")
    return 1 if os.environ.get("AUDIT_REQUIRED") == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
