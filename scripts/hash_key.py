"""The key of the keyed hash that pseudonymises identifiers (docs/data-quality.md#personal-data).

Person ids (`email:<hash>`), `email_hash` and the erasure log's hashes are HMAC-SHA256 hex digests
under a secret key, so nobody holding a list of addresses can find a person without the key. The
key comes from $CUSTOMER_LEVELS_HASH_KEY; unset (or empty), the public demo key is used, which a
production build ($CUSTOMER_LEVELS_ENV=production) refuses. scripts/build.py and scripts/refresh.py
check the key here before dbt starts; the dbt hook `assert_hash_key` refuses the demo key in
production for a plain `dbt build` too.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping

HASH_KEY_VARIABLE = "CUSTOMER_LEVELS_HASH_KEY"
ENVIRONMENT_VARIABLE = "CUSTOMER_LEVELS_ENV"
# Public, for the demo and the tests only; also the default in profiles.yml (Spark targets).
DEMO_HASH_KEY = "customer-levels-demo-key-not-for-production"
MIN_PRODUCTION_KEY_LENGTH = 32
# Spark reads the key through ${...} substitution into a SQL string literal: a quote or a
# backslash would break it or change it, and the engines would hash differently.
KEY_PATTERN = re.compile(r"[A-Za-z0-9._+/=-]+")
# The fingerprint of a key: its HMAC of this text (macro hash_key_fingerprint, stored in the
# incremental staging tables). It tells keys apart and gives nothing of the key away.
FINGERPRINT_PROBE = "customer_levels hash key fingerprint"
# HMAC (RFC 2104) with SHA-256: the key padded to the 64-byte block, xor-ed with these bytes.
BLOCK_SIZE = 64
INNER_PAD, OUTER_PAD = 0x36, 0x5C


def is_production(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get(ENVIRONMENT_VARIABLE, "").strip().lower() == "production"


def hash_key(environ: Mapping[str, str] = os.environ) -> str:
    """The key builds use: $CUSTOMER_LEVELS_HASH_KEY, or the demo key when it is unset or empty."""
    return environ.get(HASH_KEY_VARIABLE) or DEMO_HASH_KEY


def hash_key_problem(environ: Mapping[str, str] = os.environ) -> str | None:
    """Why a build must not run with the environment's key (one line naming the variable), or None."""
    key = environ.get(HASH_KEY_VARIABLE, "")
    if key and not KEY_PATTERN.fullmatch(key):
        return (f"{HASH_KEY_VARIABLE} may hold only letters, digits and . _ + / = - "
                f"(e.g. `openssl rand -hex 32`)")
    if not is_production(environ):
        return None
    if key in ("", DEMO_HASH_KEY):
        return (f"{ENVIRONMENT_VARIABLE}=production but {HASH_KEY_VARIABLE} is "
                f"{'the public demo key' if key else 'not set'}: set it to a secret key "
                f"(docs/configuration.md#environment)")
    if len(key) < MIN_PRODUCTION_KEY_LENGTH:
        return (f"{ENVIRONMENT_VARIABLE}=production but {HASH_KEY_VARIABLE} is shorter than "
                f"{MIN_PRODUCTION_KEY_LENGTH} characters (e.g. `openssl rand -hex 32`)")
    return None


def hmac_pads(key: str) -> tuple[bytes, bytes]:
    """The inner and outer HMAC-SHA256 blocks of a key: HMAC(k, m) = H(outer || H(inner || m)).

    DuckDB has no HMAC function: its session gets these two blocks and hashes with sha256()."""
    block = key.encode()
    if len(block) > BLOCK_SIZE:
        block = hashlib.sha256(block).digest()
    block = block.ljust(BLOCK_SIZE, b"\0")
    return bytes(b ^ INNER_PAD for b in block), bytes(b ^ OUTER_PAD for b in block)


def fingerprint(key: str) -> str:
    """The key's fingerprint as the macro hash_key_fingerprint computes it."""
    return hmac.new(key.encode(), FINGERPRINT_PROBE.encode(), hashlib.sha256).hexdigest()
