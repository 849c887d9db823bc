"""A real OpenID provider on loopback for the sign-in tests: node's oidc-provider.

The pinned package (``package.json`` and ``package-lock.json`` beside this file) is installed
with ``npm ci`` into ``var/oidc-provider/<digest of the lock file>/`` the first time, then
reused; ``provider.mjs`` is copied beside it and started on a free 127.0.0.1 port with a JSON
configuration written here: one client, the accounts of ``ACCOUNTS`` and a signing key this
module makes, so a test can also sign a token with the provider's own key (a wrong issuer,
audience or nonce that only the claims checks can catch).

Node and npm come from Debian (``scripts/ensure-test-deps``); the package from the npm
registry, so the first run needs it reachable.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
NODE = "/usr/bin/node"
NPM = "/usr/bin/npm"
START_TIMEOUT = 30.0
PASSWORD = "provider-pass-1"

# Logins at the test provider. "mfa" accounts sign in with amr ["pwd", "mfa"].
ACCOUNTS: dict[str, dict[str, Any]] = {
    "mfa-user": {"email": "", "name": "Signs in with MFA", "mfa": True},
    "pwd-user": {"email": "", "name": "Signs in with a password only", "mfa": False},
    "stranger": {"email": "stranger@example.org", "name": "Nobody Warden knows", "mfa": True},
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def install_dir() -> Path:
    """Where the pinned oidc-provider is installed, named by the lock file's content."""
    digest = hashlib.sha256((HERE / "package-lock.json").read_bytes()).hexdigest()[:16]
    target = ROOT / "var" / "oidc-provider" / digest
    if not (target / "node_modules" / "oidc-provider" / "package.json").exists():
        for program in (NODE, NPM):
            if not Path(program).exists():
                raise RuntimeError(f"{program} is missing: run scripts/ensure-test-deps (as root).")
        partial = target.with_name(f"{digest}.{os.getpid()}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(HERE / name, partial / name)
        done = subprocess.run(  # noqa: S603
            [NPM, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=partial,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"npm ci of the test OpenID provider failed:\n{done.stderr}")
        shutil.rmtree(target, ignore_errors=True)
        partial.replace(target)
    return target


@dataclass
class OidcProvider:
    """A running oidc-provider with one client whose redirect addresses are on ``rp_url``."""

    rp_url: str
    work_dir: Path
    emails: dict[str, str] = field(default_factory=dict)
    client_id: str = "warden-tests"
    client_secret: str = "provider-client-secret-" + "s" * 20
    port: int = field(default_factory=free_port)
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, private=True))
    process: subprocess.Popen[bytes] | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def password(self) -> str:
        return PASSWORD

    def config(self) -> dict[str, Any]:
        key = self.key.as_dict(private=True)
        key.update(kid="test-key", use="sig", alg="RS256")
        accounts = {
            login: {
                **account,
                "email": self.emails.get(login, account["email"]),
                "password": PASSWORD,
            }
            for login, account in ACCOUNTS.items()
        }
        return {
            "port": self.port,
            "cookie_key": hashlib.sha256(self.client_secret.encode()).hexdigest(),
            "signing_key": key,
            "accounts": accounts,
            "clients": [
                {
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                    "redirect_uris": [f"{self.rp_url}/sso/callback/"],
                    "post_logout_redirect_uris": [f"{self.rp_url}/sign-in/"],
                    "grant_types": ["authorization_code"],
                    "response_types": ["code"],
                    "token_endpoint_auth_method": "client_secret_basic",
                }
            ],
        }

    def sign(self, claims: dict[str, Any]) -> str:
        """An ID token signed with the provider's own key, with the claims given."""
        return jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)

    def start(self) -> None:
        installed = install_dir()
        shutil.copy(HERE / "provider.mjs", installed / "provider.mjs")
        self.work_dir.mkdir(parents=True, exist_ok=True)
        config = self.work_dir / "provider.json"
        config.write_text(json.dumps(self.config()), encoding="utf-8")
        config.chmod(0o600)
        log = (self.work_dir / "provider.log").open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            [NODE, str(installed / "provider.mjs"), str(config)],
            cwd=installed,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        url = f"{self.issuer}/.well-known/openid-configuration"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the test OpenID provider stopped at start:\n{self.log()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the test OpenID provider did not answer in time:\n{self.log()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def log(self) -> str:
        path = self.work_dir / "provider.log"
        return path.read_text(encoding="utf-8", errors="replace")[-4000:] if path.exists() else ""
