"""A throwaway certificate authority and server certificate for the HTTPS emulators."""
from __future__ import annotations

import shutil
import ssl
import tempfile
import weakref
from pathlib import Path

import trustme

SERVER_NAMES = ("127.0.0.1", "localhost")


class SandboxTLS:
    """A CA made at start-up, a server certificate for loopback, and the CA written as PEM.

    Clients trust the CA through an SSL context (see `client_context` or
    `health_pipeline.sources.salesforce.session`), never through `REQUESTS_CA_BUNDLE` or
    `Session.verify`: requests lets that environment variable override `Session.verify`.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self._ca = trustme.CA(organization_name="health-pipeline sandbox")
        self._server_cert = self._ca.issue_cert(*SERVER_NAMES)
        if directory is None:
            directory = Path(tempfile.mkdtemp(prefix="sandbox-tls-"))
            # a finalizer, not TemporaryDirectory: its implicit clean-up warns, and tests treat warnings as errors
            self._cleanup = weakref.finalize(self, shutil.rmtree, str(directory), True)
        else:
            directory = Path(directory)
            directory.mkdir(parents=True, exist_ok=True)
            self._cleanup = None
        self.directory = directory
        self.ca_pem_path = directory / "sandbox-ca.pem"
        self._ca.cert_pem.write_to_path(str(self.ca_pem_path))

    def server_context(self) -> ssl.SSLContext:
        """A server-side context presenting the loopback certificate."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._server_cert.configure_cert(context)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client-side context trusting the default store plus the sandbox CA."""
        context = ssl.create_default_context()
        self._ca.configure_trust(context)
        return context

    def close(self) -> None:
        """Remove the temporary directory, when this object created one."""
        if self._cleanup is not None:
            self._cleanup()

    def __enter__(self) -> "SandboxTLS":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
