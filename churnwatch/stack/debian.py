"""Install a missing Debian package for the local stack, when we may (root, apt-get present).

Why: `make demo` and `make test` must work on a fresh Debian machine, where redis-server (and
openssl, for a TLS stack) may be missing; users who are not root get a clear error instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess


def install_for(binary: str, package: str) -> str | None:
    """Path of `binary`, installing `package` first when it is missing and we are root; None if
    it is still missing."""
    found = shutil.which(binary)
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-q", package]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        subprocess.run(install, env=env, capture_output=True)
    return shutil.which(binary)
