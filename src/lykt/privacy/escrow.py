"""The IP escrow's cryptography: the server seals, only the operator's private key opens.

Each visitor connection's ``{ip, port, utc_ms, conversation_id, key_id}`` is sealed with a
libsodium sealed box (X25519 + XSalsa20-Poly1305, via PyNaCl) to the operator's public key.
The server holds only the public key, so nothing it stores can be read by anyone who gets
the server, its database or its staff accounts. The operator keeps the private key on their
own machine, encrypted with a passphrase (Argon2id + SecretBox).

A key id (the first 16 hex digits of the public key's BLAKE2b hash) goes with every sealed
record, so keys can be rotated: records sealed to an old key still name it. A leaf module:
PyNaCl and the standard library only."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils
from nacl.encoding import RawEncoder
from nacl.hash import blake2b
from nacl.public import PrivateKey, PublicKey, SealedBox

KEY_FILE_FORMAT = "lykt-escrow-private-key-1"
EXPORT_FORMAT = "lykt-escrow-export-1"


class EscrowError(ValueError):
    """A key or an export that cannot be used, with a message an operator understands."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as exc:
        raise EscrowError(f"{what} is not valid base64") from exc


def key_id_of(public_key: bytes) -> str:
    return blake2b(public_key, digest_size=8, encoder=RawEncoder).hex()


@dataclass(frozen=True)
class EscrowKey:
    """The operator's public key as the server is configured with it."""

    public_key: bytes
    key_id: str

    @classmethod
    def from_base64(cls, text: str) -> EscrowKey:
        raw = _unb64(text.strip(), "the escrow public key")
        if len(raw) != PublicKey.SIZE:
            raise EscrowError(f"the escrow public key must be {PublicKey.SIZE} bytes")
        return cls(raw, key_id_of(raw))

    def seal(self, ip: str, port: int, utc_ms: int, conversation_id: str) -> bytes:
        record = {
            "ip": ip,
            "port": port,
            "utc_ms": utc_ms,
            "conversation_id": conversation_id,
            "key_id": self.key_id,
        }
        plain = json.dumps(record, separators=(",", ":")).encode()
        return SealedBox(PublicKey(self.public_key)).encrypt(plain)


def generate_key_file(passphrase: str) -> tuple[dict[str, Any], str, str]:
    """A new key pair. Returns the private key file's content (the private key encrypted with
    the passphrase), the public key (base64, for ``LYKT_ESCROW_PUBLIC_KEY``) and its key id."""
    if len(passphrase) < 12:
        raise EscrowError("choose a passphrase of at least 12 characters")
    private = PrivateKey.generate()
    public = bytes(private.public_key)
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    ops = nacl.pwhash.argon2id.OPSLIMIT_MODERATE
    mem = nacl.pwhash.argon2id.MEMLIMIT_MODERATE
    box_key = nacl.pwhash.argon2id.kdf(
        nacl.secret.SecretBox.KEY_SIZE, passphrase.encode(), salt, opslimit=ops, memlimit=mem
    )
    encrypted = nacl.secret.SecretBox(box_key).encrypt(bytes(private))
    content = {
        "format": KEY_FILE_FORMAT,
        "key_id": key_id_of(public),
        "public_key": _b64(public),
        "kdf": {"name": "argon2id", "salt": _b64(salt), "opslimit": ops, "memlimit": mem},
        "private_key": _b64(bytes(encrypted)),
    }
    return content, _b64(public), key_id_of(public)


def unlock_key_file(content: dict[str, Any], passphrase: str) -> tuple[str, PrivateKey]:
    """The key id and private key from a key file; EscrowError for a wrong passphrase."""
    if content.get("format") != KEY_FILE_FORMAT:
        raise EscrowError("not a Lykt escrow private key file")
    kdf = content["kdf"]
    box_key = nacl.pwhash.argon2id.kdf(
        nacl.secret.SecretBox.KEY_SIZE,
        passphrase.encode(),
        _unb64(kdf["salt"], "the key file's salt"),
        opslimit=int(kdf["opslimit"]),
        memlimit=int(kdf["memlimit"]),
    )
    try:
        raw = nacl.secret.SecretBox(box_key).decrypt(
            _unb64(content["private_key"], "the private key")
        )
    except nacl.exceptions.CryptoError as exc:
        raise EscrowError("wrong passphrase (or a damaged key file)") from exc
    return str(content["key_id"]), PrivateKey(raw)


def open_export(export: dict[str, Any], keys: dict[str, PrivateKey]) -> list[dict[str, Any]]:
    """Open the sealed records of an export with the operator's private keys (by key id)."""
    if export.get("format") != EXPORT_FORMAT:
        raise EscrowError("not a Lykt escrow export file")
    opened = []
    for record in export["records"]:
        key = keys.get(record["key_id"])
        if key is None:
            raise EscrowError(f"this record was sealed to key {record['key_id']}, not given")
        try:
            plain = SealedBox(key).decrypt(_unb64(record["sealed"], "a sealed record"))
        except nacl.exceptions.CryptoError as exc:
            raise EscrowError("a record does not open with this key (damaged?)") from exc
        opened.append(json.loads(plain))
    return opened
