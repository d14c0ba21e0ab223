#!/usr/bin/python3
"""Independent DSSE check with python securesystemslib (Debian's 0.26, which has no dsse module):
computes PAE here, then verifies every signature of the envelope with the public key.

usage: verify_dsse.py PUBLIC_KEY_PEM ENVELOPE_JSON
prints {"verified": N, "scheme": ...}; exit 0 when every signature verifies, 1 otherwise, 2 on bad input.
"""
import base64
import hashlib
import json
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from securesystemslib import keys as sslib_keys
from securesystemslib.signer import Signature, SSlibKey


def pae(payload_type: str, payload: bytes) -> bytes:
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def load_key(pem: str) -> SSlibKey:
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        # securesystemslib wants a hex keyid; any will do for verification.
        return SSlibKey(hashlib.sha256(raw).hexdigest(), "ed25519", "ed25519", {"public": raw.hex()})
    if isinstance(key, ec.EllipticCurvePublicKey):
        scheme = {"secp256r1": "ecdsa-sha2-nistp256", "secp384r1": "ecdsa-sha2-nistp384"}[key.curve.name]
        return SSlibKey.from_securesystemslib_key(sslib_keys.import_ecdsakey_from_public_pem(pem, scheme))
    raise ValueError(f"unsupported key type {type(key).__name__}")


def b64(text: str) -> bytes:
    return base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        key = load_key(open(sys.argv[1], encoding="ascii").read())
        env = json.load(open(sys.argv[2], encoding="utf-8"))
        message = pae(env["payloadType"], b64(env["payload"]))
        sigs = env["signatures"]
    except Exception as e:  # noqa: BLE001 - any bad input is exit 2
        print(f"bad input: {e}", file=sys.stderr)
        return 2
    if not sigs:
        print("no signatures", file=sys.stderr)
        return 1
    for s in sigs:
        try:
            key.verify_signature(Signature(key.keyid, b64(s["sig"]).hex()), message)
        except Exception as e:  # noqa: BLE001 - UnverifiedSignatureError or VerificationError
            print(f"signature does not verify: {e}", file=sys.stderr)
            return 1
    print(json.dumps({"verified": len(sigs), "scheme": key.scheme}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
