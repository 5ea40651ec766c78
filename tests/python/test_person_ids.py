"""Person ids that do not give e-mails away (docs/data-quality.md#personal-data): identifiers are
HMAC-SHA256 under a secret key, so nobody holding a list of addresses can find a mart row without
the key; production builds refuse the public demo key.

fixtures/marts_store has two addresses: a@example.com, the e-mail of customer cA's order (so cA's
person), and e@example.com, a sign-up who never bought (the person `email:<keyed hash>`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import FIXTURES, REPO_ROOT, Build, build_fixture, build_project, write_raw_store
from person_hashes import DEMO_HASH_KEY, email_person, fixture_addresses, plain_sha256, values_holding

sys.path.insert(0, str(REPO_ROOT / "scripts"))
from hash_key import hmac_pads  # noqa: E402

# A key of the allowed characters, long enough for production.
OTHER_KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0-tests-only"
PRODUCTION = {"CUSTOMER_LEVELS_ENV": "production"}


@pytest.fixture(scope="module")
def other_key_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """fixtures/marts_store built by a plain `dbt build` as production, with a key of its own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CUSTOMER_LEVELS_ENV", "production")
        patch.setenv("CUSTOMER_LEVELS_HASH_KEY", OTHER_KEY)
        patch.setenv("DBT_LOG_LEVEL_FILE", "debug")  # the log file is searched for the key too
        return build_fixture("marts_store", tmp_path_factory)


def environment(**variables: str) -> dict[str, str]:
    """This process's environment without a hash key, plus `variables`."""
    return {**{k: v for k, v in os.environ.items() if k != "CUSTOMER_LEVELS_HASH_KEY"}, **variables}


def email_people(build: Build) -> set[str]:
    return {row[0] for row in build.rows("select person_id from marts.dim_people where person_id like 'email:%'")}


def test_no_mart_holds_an_address_or_its_plain_hash(marts_store: Build) -> None:
    addresses = fixture_addresses(FIXTURES / "marts_store")
    assert addresses == {"a@example.com", "e@example.com"}
    with duckdb.connect(str(marts_store.database), read_only=True) as connection:
        assert values_holding(connection, "marts", addresses | {plain_sha256(a) for a in addresses}) == []


def test_email_person_ids_are_the_keyed_hash_of_the_address(marts_store: Build) -> None:
    assert email_people(marts_store) == {email_person("e@example.com")}
    assert marts_store.rows("select audience from marts.fct_audience_membership "
                            f"where person_id = '{email_person('e@example.com')}'") == [("new_enquirers",)]


def test_another_key_gives_other_person_ids_and_the_same_customers(marts_store: Build, other_key_build: Build) -> None:
    assert email_people(other_key_build) == {email_person("e@example.com", OTHER_KEY)}
    assert email_people(other_key_build).isdisjoint(email_people(marts_store))
    customers = "select person_id, level_number from marts.dim_people where person_id like 'customer:%' order by 1"
    assert other_key_build.rows(customers) == marts_store.rows(customers)


def test_the_key_is_written_nowhere(other_key_build: Build) -> None:
    """Not in target/ (compiled SQL, manifest, run results), the dbt logs or the warehouse file."""
    secrets = [OTHER_KEY.encode(), *hmac_pads(OTHER_KEY), *(pad.hex().encode() for pad in hmac_pads(OTHER_KEY))]
    work = other_key_build.database.parent
    assert (work / "target" / "compiled").is_dir() and (work / "logs" / "dbt.log").is_file()
    files = [path for path in work.rglob("*") if path.is_file()]
    leaks = [str(path.relative_to(work)) for path in files if any(secret in path.read_bytes() for secret in secrets)]
    assert leaks == []


def test_production_build_refuses_the_demo_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain `dbt build` stops in its on-run-start hook, before any model."""
    monkeypatch.setenv("CUSTOMER_LEVELS_ENV", "production")
    monkeypatch.delenv("CUSTOMER_LEVELS_HASH_KEY", raising=False)
    build = build_project(write_raw_store(FIXTURES / "orders_only", tmp_path / "raw"), tmp_path)
    assert build.result.returncode != 0
    assert ("CUSTOMER_LEVELS_ENV=production but CUSTOMER_LEVELS_HASH_KEY is not set or is the public demo key"
            in build.output)
    assert "model customer_levels." not in build.output  # no model ran


@pytest.mark.parametrize("variables, message", [
    ({**PRODUCTION}, "CUSTOMER_LEVELS_ENV=production but CUSTOMER_LEVELS_HASH_KEY is not set"),
    ({**PRODUCTION, "CUSTOMER_LEVELS_HASH_KEY": DEMO_HASH_KEY}, "is the public demo key"),
    ({**PRODUCTION, "CUSTOMER_LEVELS_HASH_KEY": "short-key"}, "is shorter than 32 characters"),
    ({"CUSTOMER_LEVELS_HASH_KEY": "it's-a-key"}, "may hold only letters, digits and . _ + / = -"),
])
def test_build_py_refuses_a_bad_key_before_dbt(tmp_path: Path, variables: dict[str, str], message: str) -> None:
    env = environment(**variables, CUSTOMER_LEVELS_DB=str(tmp_path / "warehouse.duckdb"),
                      DBT_TARGET_PATH=str(tmp_path / "target"))
    result = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "build.py")], env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert [line for line in result.stderr.splitlines() if message in line], result.stderr
    assert not (tmp_path / "target").exists()  # dbt never started


def test_refresh_refuses_the_demo_key_in_production(tmp_path: Path) -> None:
    env = environment(**PRODUCTION, CUSTOMER_LEVELS_DB=str(tmp_path / "working.duckdb"))
    result = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "refresh.py"), "--raw-dir", str(tmp_path),
                             "--served", str(tmp_path / "serving.duckdb")], env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "refresh failed, served marts untouched: hash key refused: CUSTOMER_LEVELS_ENV=production" in result.stderr
    assert not (tmp_path / "working.duckdb").exists() and not (tmp_path / "serving.duckdb").exists()
