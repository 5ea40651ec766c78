"""dbt-duckdb plugin (profiles.yml): gives every DuckDB session the HMAC blocks of the hash key.

DuckDB has no HMAC function, so the macro keyed_hash computes HMAC-SHA256 with sha256() over the
key's inner and outer blocks (scripts/hash_key.py), which this plugin sets as session variables on
every cursor dbt-duckdb opens (variables are per connection: a cursor sees none of another's).
The key is read from the environment here, in the dbt process, so it is in no profile value,
compiled SQL, manifest or log, and variables are never stored in the database file.
"""

from __future__ import annotations

import os
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from hash_key import hash_key, hmac_pads

# Read by the macro duckdb__keyed_hash.
INNER_VARIABLE = "customer_levels_hmac_inner"
OUTER_VARIABLE = "customer_levels_hmac_outer"


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        inner, outer = hmac_pads(hash_key(os.environ))
        self._blocks = {INNER_VARIABLE: inner.hex(), OUTER_VARIABLE: outer.hex()}

    def configure_cursor(self, cursor) -> None:
        for name, block in self._blocks.items():
            cursor.execute(f"set variable {name} = unhex(?)", [block])
