"""gunicorn run with shop/gunicorn_conf.py, as the production docs run it."""

import os
import subprocess
import sys
from pathlib import Path

from tests.support.live_services import BASE_DIR, free_port, wait_for


def test_gunicorn_opens_no_control_socket(tmp_path: Path):
    """gunicorn's control socket has one path per user (``~/.gunicorn/gunicorn.ctl``), so
    every gunicorn of that user on the host would share it. The master decides once its
    workers are up: it opens the socket, or logs (at debug) that it is disabled."""
    control_socket = tmp_path / ".gunicorn" / "gunicorn.ctl"
    log = tmp_path / "gunicorn.log"
    log.touch()
    env = os.environ | {
        "HOME": str(tmp_path),
        "WEB_BIND": f"127.0.0.1:{free_port()}",
        "WEB_WORKERS": "1",
    }
    env.pop("XDG_RUNTIME_DIR", None)
    command = [sys.executable, "-m", "gunicorn", "-c", "python:shop.gunicorn_conf"]
    command += ["--log-level", "debug", "--error-logfile", str(log)]
    server = subprocess.Popen(command, cwd=BASE_DIR, env=env)
    try:
        wait_for(
            lambda: (
                server.poll() is not None
                or control_socket.exists()
                or "Control socket disabled" in log.read_text()
            ),
            what="gunicorn's master to start or skip its control socket",
        )
        assert server.poll() is None, log.read_text()
        assert not control_socket.exists()
    finally:
        server.terminate()
        server.wait(timeout=30)
