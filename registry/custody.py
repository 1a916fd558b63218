"""Custodial keys: Ed25519 keys the registry holds for organisations that do not hold their own.

Private keys are sealed with AES-256-GCM under a key derived (HKDF-SHA256) from NGUON_SECRET_KEY, or from a
random secret generated into the data directory (mode 0600) on first run. The organisation and key id are
bound as associated data, so a sealed key cannot be moved to another organisation. Private keys are never
returned or logged; callers get a signing function.
"""

import base64
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.engine import Connection

from ledger.core.signing import public_key_bytes, statement_key_id
from registry.errors import NotAllowedError
from registry.held import RegCustodialKey
from registry.tables import RegKey

_INFO = b"nguon custodial keys v1"


@dataclass(frozen=True, repr=False)
class Custody:
    """Seals and unseals custodial keys. Its repr shows nothing of the secret."""

    _aead: AESGCM

    def __repr__(self) -> str:
        return "Custody(<sealed>)"

    @classmethod
    def from_secret(cls, secret: bytes) -> "Custody":
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret)
        return cls(AESGCM(key))

    def create(self, connection: Connection, organisation: str) -> str:
        """Generate a key for `organisation`, store it sealed; return its base64 public key."""
        private = Ed25519PrivateKey.generate()
        key_id = statement_key_id(private.public_key())
        nonce = secrets.token_bytes(12)
        sealed = nonce + self._aead.encrypt(nonce, private.private_bytes_raw(), f"{organisation}\n{key_id}".encode())
        table = RegCustodialKey.__table__  # type: ignore[attr-defined]
        connection.execute(table.insert().values(key_id=key_id, organisation=organisation, sealed=sealed,
                                                 created_at=datetime.now(UTC).isoformat()))
        return base64.b64encode(public_key_bytes(private.public_key())).decode()

    def signing_key(self, connection: Connection, organisation: str) -> Ed25519PrivateKey:
        """The active custodial key of `organisation` (the newest if several); NotAllowedError if none."""
        sealed_keys = RegCustodialKey.__table__  # type: ignore[attr-defined]
        keys = RegKey.__table__  # type: ignore[attr-defined]
        query = (select(sealed_keys.c.key_id, sealed_keys.c.sealed)
                 .join(keys, keys.c.key_id == sealed_keys.c.key_id)
                 .where(keys.c.organisation == organisation, keys.c.active.is_(True), keys.c.custodial.is_(True))
                 .order_by(keys.c.added_entry.desc()).limit(1))
        row = connection.execute(query).first()
        if row is None:
            raise NotAllowedError("no-custodial-key", f"the registry holds no active key for {organisation}",
                                  f"hệ thống không giữ khóa nào còn hiệu lực cho {organisation}")
        return self._unseal(organisation, row[0], row[1])

    def sealed_key(self, connection: Connection, organisation: str, key_id: str) -> Ed25519PrivateKey:
        """A custodial key by id, whether or not a statement has made it active yet (for bootstrap)."""
        table = RegCustodialKey.__table__  # type: ignore[attr-defined]
        query = select(table.c.sealed).where(table.c.key_id == key_id, table.c.organisation == organisation)
        sealed = connection.execute(query).scalar_one_or_none()
        if sealed is None:
            raise NotAllowedError("no-custodial-key", f"the registry holds no key {key_id} for {organisation}",
                                  f"hệ thống không giữ khóa {key_id} cho {organisation}")
        return self._unseal(organisation, key_id, sealed)

    def _unseal(self, organisation: str, key_id: str, sealed: bytes) -> Ed25519PrivateKey:
        try:
            seed = self._aead.decrypt(sealed[:12], sealed[12:], f"{organisation}\n{key_id}".encode())
        except InvalidTag as exc:
            raise NotAllowedError("custodial-key-sealed", f"the custodial key of {organisation} cannot be unsealed "
                                  "with this NGUON_SECRET_KEY", f"không mở được khóa lưu ký của {organisation} "
                                  "bằng NGUON_SECRET_KEY hiện tại") from exc
        return Ed25519PrivateKey.from_private_bytes(seed)
