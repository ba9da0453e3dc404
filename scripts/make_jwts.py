#!/usr/bin/env python3
"""Makes a throwaway NATS operator, account and users, and a nats-server config that trusts them.

    .venv/bin/python scripts/make_jwts.py --out DIR

writes, for decentralized (operator mode) auth with a memory resolver:

    DIR/operator.conf      `operator: <JWT>`, `resolver: MEMORY`, `resolver_preload` with the
                           account: include it in a nats-server config
    DIR/bearer.jwt         a user JWT with `bearer_token: true`: the server takes it without
                           a signed nonce, so it can come from a cookie (websocket jwt_cookie)
    DIR/expired.jwt        the same kind of user, whose JWT expired an hour ago
    DIR/not-bearer.jwt     a user JWT without bearer_token: useless without the user's seed
    DIR/not-bearer.nk      that user's seed (SU...)

Every key is new on each run (os.urandom). JWTs are nats-io/jwt v2: header
{"typ":"JWT","alg":"ed25519-nkey"}, claims {jti, iat, iss, name, sub, [exp], nats: {...,
type, version: 2}}, each part base64url without padding, signed with Ed25519 by the issuer's
NKey (the operator signs itself and the account, the account its users); jti is the base32 of
the SHA-512/256 of the standard claims. NKeys are base32 (no padding) of prefix byte(s), the
32-byte key and a little-endian CRC16-XMODEM.

Standard library only: Ed25519 (RFC 8032) is implemented here, checked against the RFC's
first test vector on every run.
"""

import argparse
import base64
import hashlib
import json
import os
import sys
import time

# --- Ed25519, RFC 8032 section 5.1, in extended coordinates --------------------------------
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
_GY = 4 * pow(5, P - 2, P) % P
_GX = pow((_GY * _GY - 1) * pow(D * _GY * _GY + 1, P - 2, P), (P + 3) // 8, P)
if (_GX * _GX - (_GY * _GY - 1) * pow(D * _GY * _GY + 1, P - 2, P)) % P:
    _GX = _GX * pow(2, (P - 1) // 4, P) % P
if _GX & 1:
    _GX = P - _GX
BASE = (_GX, _GY, 1, _GX * _GY % P)


def _add(a, b):
    e = (a[1] - a[0]) * (b[1] - b[0]) % P
    h = (a[1] + a[0]) * (b[1] + b[0]) % P
    f = 2 * a[2] * b[2] % P
    c = 2 * a[3] * b[3] * D % P
    e, f, g, h = h - e, f - c, f + c, h + e
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _mul(scalar, point):
    result = (0, 1, 1, 0)
    while scalar:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _encode_point(point):
    zinv = pow(point[2], P - 2, P)
    x, y = point[0] * zinv % P, point[1] * zinv % P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def _expand(seed):
    digest = hashlib.sha512(seed).digest()
    scalar = int.from_bytes(digest[:32], "little") & ((1 << 254) - 8) | (1 << 254)
    return scalar, digest[32:]


def public_key(seed):
    return _encode_point(_mul(_expand(seed)[0], BASE))


def sign(seed, message):
    scalar, prefix = _expand(seed)
    r = int.from_bytes(hashlib.sha512(prefix + message).digest(), "little") % L
    big_r = _encode_point(_mul(r, BASE))
    k = hashlib.sha512(big_r + public_key(seed) + message).digest()
    s = (r + int.from_bytes(k, "little") * scalar) % L
    return big_r + s.to_bytes(32, "little")


def check_ed25519():
    """RFC 8032 section 7.1, TEST 1 (empty message)."""
    seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    signature = (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    assert public_key(seed).hex() == public, "Ed25519 public key differs from RFC 8032"
    assert sign(seed, b"").hex() == signature, "Ed25519 signature differs from RFC 8032"


# --- NKeys ----------------------------------------------------------------------------------
PREFIX_SEED, PREFIX_OPERATOR, PREFIX_ACCOUNT, PREFIX_USER = 18 << 3, 14 << 3, 0, 20 << 3


def _crc16_xmodem(data):
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = (crc << 1 ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xFFFF
    return crc


def _nkey_encode(raw):
    raw += _crc16_xmodem(raw).to_bytes(2, "little")
    return base64.b32encode(raw).decode().rstrip("=")


class KeyPair:
    """An NKey: a fresh Ed25519 seed and the role (prefix byte) of its public key."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.raw_seed = os.urandom(32)
        self.public = _nkey_encode(bytes([prefix]) + public_key(self.raw_seed))

    def seed(self):
        head = bytes([PREFIX_SEED | self.prefix >> 5, (self.prefix & 31) << 3])
        return _nkey_encode(head + self.raw_seed)


# --- JWT v2 ---------------------------------------------------------------------------------
def _b64(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _json(value):
    return json.dumps(value, separators=(",", ":")).encode()


def encode_jwt(issuer, subject, name, nats, expires=None):
    """Claims as nats-io/jwt v2 writes them (field order of its ClaimsData), signed by issuer."""
    claims = {"iat": int(time.time()), "iss": issuer.public, "name": name, "sub": subject}
    if expires is not None:
        claims = {"exp": expires, **claims}
    jti = hashlib.new("sha512_256", _json(claims)).digest()
    claims = {"jti": base64.b32encode(jti).decode().rstrip("="), **claims, "nats": nats}
    signed = _b64(_json({"typ": "JWT", "alg": "ed25519-nkey"})) + "." + _b64(_json(claims))
    return signed + "." + _b64(sign(issuer.raw_seed, signed.encode()))


UNLIMITED = {"subs": -1, "data": -1, "payload": -1}


def user_jwt(account, name, bearer, expires=None):
    user = KeyPair(PREFIX_USER)
    nats = {"pub": {}, "sub": {}, **UNLIMITED, "type": "user", "version": 2}
    if bearer:
        nats["bearer_token"] = True
    return user, encode_jwt(account, user.public, name, nats, expires)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", required=True, help="directory for the config and JWTs")
    args = parser.parse_args()
    check_ed25519()
    os.makedirs(args.out, exist_ok=True)

    operator = KeyPair(PREFIX_OPERATOR)
    account = KeyPair(PREFIX_ACCOUNT)
    operator_jwt = encode_jwt(
        operator, operator.public, "test-operator", {"type": "operator", "version": 2}
    )
    limits = {**UNLIMITED, "imports": -1, "exports": -1, "wildcards": True, "conn": -1, "leaf": -1}
    account_jwt = encode_jwt(
        operator,
        account.public,
        "test-account",
        {
            "limits": limits,
            "default_permissions": {"pub": {}, "sub": {}},
            "type": "account",
            "version": 2,
        },
    )
    files = {
        "operator.conf": (
            f"operator: {operator_jwt}\nresolver: MEMORY\n"
            f"resolver_preload: {{\n  {account.public}: {account_jwt}\n}}\n"
        ),
        "bearer.jwt": user_jwt(account, "cookie-user", bearer=True)[1],
        "expired.jwt": user_jwt(account, "expired", True, expires=int(time.time()) - 3600)[1],
    }
    not_bearer, files["not-bearer.jwt"] = user_jwt(account, "not-bearer", bearer=False)
    files["not-bearer.nk"] = not_bearer.seed()
    for name, text in files.items():
        with open(os.path.join(args.out, name), "w", encoding="ascii") as f:
            f.write(text if text.endswith("\n") else text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
