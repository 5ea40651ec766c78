"""The hashes the project documents, computed here with hashlib/hmac, independently of the code under
test (docs/data-quality.md#personal-data): identifiers are HMAC-SHA256 hex under the hash key, the
e-mail trimmed and lower-cased first; customer-match files take the plain SHA-256."""

from __future__ import annotations

import csv
import hashlib
import hmac
from collections.abc import Iterable
from pathlib import Path

import duckdb

# The documented demo key (docs/configuration.md#environment): what the tests' builds use.
DEMO_HASH_KEY = "customer-levels-demo-key-not-for-production"


def keyed_hash(text: str, key: str = DEMO_HASH_KEY) -> str:
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


def normalised(address: str) -> str:
    return address.strip().lower()


def email_hash(address: str, key: str = DEMO_HASH_KEY) -> str:
    return keyed_hash(normalised(address), key)


def email_person(address: str, key: str = DEMO_HASH_KEY) -> str:
    return "email:" + email_hash(address, key)


def plain_sha256(address: str) -> str:
    """What customer-match uploads take - and what anyone holding the address can compute."""
    return hashlib.sha256(normalised(address).encode()).hexdigest()


def fixture_addresses(fixture: Path) -> set[str]:
    """Every normalised e-mail address in a fixture store's CSVs (events, orders, erasure requests)."""
    addresses: set[str] = set()
    for path in fixture.glob("*.csv"):
        with path.open(newline="") as handle:
            emails = (row.get("email") or "" for row in csv.DictReader(handle))
            addresses |= {normalised(email) for email in emails if email.strip()}
    return addresses


def values_holding(connection: duckdb.DuckDBPyConnection, schema: str, needles: Iterable[str]) -> list[tuple]:
    """(table, column, value) of every text value in `schema` that contains one of `needles`."""
    needles = sorted(needles)
    found: list[tuple] = []
    columns = connection.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = ? and data_type = 'VARCHAR' order by all", [schema]).fetchall()
    for table, column in columns:
        rows = connection.execute(
            f'select distinct "{column}" from {schema}."{table}" '
            f'where list_bool_or([contains("{column}", needle) for needle in ?])', [needles]).fetchall()
        found += [(table, column, value) for value, in rows]
    return found
