"""One dbt parse for the whole test run: dbt's partial parsing, shared between the test builds.

Loaded by every Python process the tests start (conftest.py puts this directory first on
PYTHONPATH and names the cache directory in CUSTOMER_LEVELS_TEST_PARSE_CACHE); does nothing without
that variable, so outside the tests dbt runs untouched.

dbt reuses a saved parse (target/partial_parse.msgpack) only while its state check matches: the
command-line vars and the profile's connection values among them. Each test build reads its own raw
store into its own DuckDB file, so `raw_data_dir` and the profile's `path` differ every time and dbt
would parse the whole project again (about 9 s of each build's 30 s). Both are read only while the
build executes (macros/raw_sources.sql and macros/incremental_staging.sql under `execute`; the
connection), never while parsing, so the state check here leaves them out, as it does the few
other vars the tests vary that only model SQL reads (EXECUTION_ONLY_VARS). Everything else that can
change a parse still counts: other vars, the target and database name, env vars, dbt's version, and
every file's checksum (dbt re-parses the files that changed, as always).

The first build with a given state check parses in full and leaves its partial_parse.msgpack in
the cache; the later ones start from a copy of it.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import os
import pprint
import shutil
import sys
import tempfile
from pathlib import Path

CACHE_ENV = "CUSTOMER_LEVELS_TEST_PARSE_CACHE"
PATCHED_MODULE = "dbt.parser.manifest"
# Read only at execution time (see the docstring): not part of what makes two parses equal. A var
# belongs here only while no YAML file, config() call or ref()/source() depends on it (the project's
# SQL is kept, unrendered, by the parse and compiled with the build's own vars);
# test_shared_parse.py checks that.
EXECUTION_ONLY_VARS = ("raw_data_dir", "store_timezone", "as_of_date", "reporting_currency",
                       # the orders file's column map and reading rules (stg_orders_file__lines, the raw-view hook)
                       "orders_file_columns", "orders_file_currency", "orders_file_timezone",
                       "orders_file_timestamp_format", "orders_file_credit_prefix")
EXECUTION_ONLY_CONNECTION_KEYS = ("path",)


def patch(module) -> None:
    from dbt.contracts.files import FileHash
    from dbt.parser.manifest import PARTIAL_PARSE_FILE_NAME

    loader = module.ManifestLoader
    cache = Path(os.environ[CACHE_ENV])
    build_state_check = loader.build_manifest_state_check
    read_saved = loader.read_manifest_for_partial_parse
    write_saved = loader.write_manifest_for_partial_parse

    def state_check_without_execution_inputs(self):
        state_check = build_state_check(self)
        config = self.root_project
        cli_vars = {k: v for k, v in config.cli_vars.items() if k not in EXECUTION_ONLY_VARS}
        # as dbt builds it (ManifestLoader.build_manifest_state_check), less the execution-only vars
        contents = [pprint.pformat(cli_vars), config.profile_name, config.target_name, module.__version__]
        if config.vars_from_file:
            contents.append(pprint.pformat(config.vars_from_file))
        state_check.vars_hash = FileHash.from_contents("\x00".join(contents))
        connection = sorted((k, v) for k, v in config.credentials.connection_info()
                            if k not in EXECUTION_ONLY_CONNECTION_KEYS)
        state_check.profile_hash = FileHash.from_contents(pprint.pformat(connection))
        return state_check

    def cache_file(self) -> Path:
        state_check = self.manifest.state_check
        key = "|".join([state_check.vars_hash.checksum, state_check.profile_hash.checksum,
                        state_check.project_env_vars_hash.checksum,
                        *(f"{name}:{h.checksum}" for name, h in sorted(state_check.project_hashes.items()))])
        return cache / f"{hashlib.sha256(key.encode()).hexdigest()[:16]}.msgpack"

    def own_file(self) -> Path:
        return Path(self.root_project.project_target_path) / PARTIAL_PARSE_FILE_NAME

    def read_from_cache(self):
        shared, own = cache_file(self), own_file(self)
        if shared.exists() and not own.exists():
            own.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shared, own)
        return read_saved(self)

    def write_to_cache(self):
        write_saved(self)
        shared, own = cache_file(self), own_file(self)
        if own.exists() and not shared.exists():
            shared.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=shared.parent, suffix=".partial")
            os.close(handle)
            shutil.copyfile(own, temporary)
            os.replace(temporary, shared)  # whole or not at all, for the other worker reading it

    loader.build_manifest_state_check = state_check_without_execution_inputs
    loader.read_manifest_for_partial_parse = read_from_cache
    loader.write_manifest_for_partial_parse = write_to_cache


class PatchAfterImport(importlib.abc.MetaPathFinder):
    """Patches dbt's manifest loader right after dbt imports it."""

    def find_spec(self, name, path, target=None):
        if name != PATCHED_MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        original_exec = spec.loader.exec_module

        def exec_module(module):
            original_exec(module)
            patch(module)

        spec.loader.exec_module = exec_module
        return spec


if os.environ.get(CACHE_ENV):
    sys.meta_path.insert(0, PatchAfterImport())
