"""Certificates for TLS tests, made with the openssl tool: a root CA, an intermediate CA,
and leaf certificates it signs (RSA or ECDSA) for the names asked."""
import subprocess
from pathlib import Path

from conftest import require_tool


def _openssl(*args, cwd):
    openssl = require_tool("openssl")
    subprocess.run([openssl, *args], cwd=cwd, check=True, capture_output=True)


class Authority:
    """A root CA and an intermediate under it, in `directory`."""

    def __init__(self, directory):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "ca.ext").write_text(
            "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                 "-keyout", "root.key", "-out", "root.pem", "-subj", "/CN=Strata Test Root",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=self.dir)
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "inter.key",
                 "-out", "inter.csr", "-subj", "/CN=Strata Test Intermediate", cwd=self.dir)
        _openssl("x509", "-req", "-in", "inter.csr", "-CA", "root.pem", "-CAkey", "root.key",
                 "-CAcreateserial", "-days", "2", "-extfile", "ca.ext", "-out", "inter.pem",
                 cwd=self.dir)
        self.root = self.dir / "root.pem"

    def leaf(self, name, *alt_names, kind="rsa", usage="serverAuth"):
        """(chain file: leaf then intermediate, key file) for `name`; usage="clientAuth"
        makes a client certificate."""
        stem = f"{name}-{kind}" if usage == "serverAuth" else f"{name}-{kind}-{usage}"
        key_args = (["-newkey", "rsa:2048"] if kind == "rsa"
                    else ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"])
        _openssl("req", *key_args, "-nodes", "-keyout", f"{stem}.key", "-out", f"{stem}.csr",
                 "-subj", f"/CN={name}", cwd=self.dir)
        sans = ",".join(f"DNS:{n}" for n in (name, *alt_names))
        (self.dir / f"{stem}.ext").write_text(
            f"subjectAltName={sans}\nextendedKeyUsage={usage}\n")
        _openssl("x509", "-req", "-in", f"{stem}.csr", "-CA", "inter.pem", "-CAkey",
                 "inter.key", "-CAcreateserial", "-days", "2", "-extfile", f"{stem}.ext",
                 "-out", f"{stem}.crt", cwd=self.dir)
        chain = self.dir / f"{stem}.pem"
        chain.write_text((self.dir / f"{stem}.crt").read_text() +
                         (self.dir / "inter.pem").read_text())
        return chain, self.dir / f"{stem}.key"
