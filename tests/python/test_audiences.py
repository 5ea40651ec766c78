"""Stage audiences on a hand-worked store (fixtures/audiences_store), as of 2025-06-30 with the
default windows: browse 30 days, cart 7 days and 24 hours, new enquirers and first-time buyers
30 days, regular = 3 valid orders in 365 days. Each audience has a member and a near miss:

  browse     ab1 viewed a product on 06-20 (in); ab2 on 05-31 (a day outside); ab3 only the home page;
             ab4 viewed then signed up (an enquirer, not a browser)
  cart       c1 added to cart on 06-25, no order (in); c2 ordered 2 h after checkout; ac3's cart is
             on the as-of day, so its 24 hours are not over
  enquirers  e1 (06-10, address padded and upper-case) and b4 (06-16) in; e2 signed up on 05-31
             and bought as c11; e3 unsubscribed on 06-20; gone@ asked to be erased
  first-time c2 (06-26), c7 (06-10, unsubscribed) and c11 (06-15) in; c5 bought on 05-31; c6
             bought twice in June
  repeat     c6: two orders in the window, one short of regular (in); c8: the other order is 14 months old
  lapsing    no BG/NBD fit (too few repeat buyers), so the usual-gap rule: c9 ordered 01-01, 02-01,
             03-01 - usual gap 59/2 = 29.5 days, lapsing from 03-01 + 30 = 03-31 (in); c10's last
             order was 15 days ago against a 37.5-day gap
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import FIXTURES, REPO_ROOT, Build, build_fixture, marts_only_file
from person_hashes import email_person, fixture_addresses, values_holding
from person_hashes import plain_sha256 as sha

D = dt.date

EXPECTED_MEMBERS = {
    ("browse_abandoners", "anonymous:ab1", D(2025, 6, 20)),
    ("cart_abandoners", "customer:c1", D(2025, 6, 25)),
    ("new_enquirers", email_person("e1@example.com"), D(2025, 6, 10)),
    ("new_enquirers", email_person("b4@example.com"), D(2025, 6, 16)),
    ("new_first_time_buyers", "customer:c2", D(2025, 6, 26)),
    ("new_first_time_buyers", "customer:c7", D(2025, 6, 10)),
    ("new_first_time_buyers", "customer:c11", D(2025, 6, 15)),
    ("repeat_not_regular", "customer:c6", D(2025, 6, 20)),
    ("lapsing_regulars", "customer:c9", D(2025, 3, 31)),
}

# CSV contents: plain SHA-256 of members with a known e-mail who did not unsubscribe (c7 did).
EXPECTED_UPLOADS = {
    "browse_abandoners": [],
    "cart_abandoners": [sha("c1@example.com")],
    "new_enquirers": sorted([sha("e1@example.com"), sha("b4@example.com")]),
    "new_first_time_buyers": sorted([sha("c2@example.com"), sha("e2@example.com")]),
    "repeat_not_regular": [sha("c6@example.com")],
    "lapsing_regulars": [sha("c9@example.com")],
}


@pytest.fixture(scope="module")
def audiences_store(tmp_path_factory: pytest.TempPathFactory) -> Build:
    return build_fixture("audiences_store", tmp_path_factory, as_of_date="2025-06-30")


def export(marts: Path, working: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """scripts/export_audiences.py: memberships from `marts`, the plain e-mail hashes from `working`."""
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "export_audiences.py"),
         "--db", str(marts), "--working-db", str(working), "--out", str(out)],
        capture_output=True, text=True, check=False,
    )


@pytest.fixture(scope="module")
def exported(audiences_store: Build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "audiences"
    result = export(audiences_store.database, audiences_store.database, out)
    assert result.returncode == 0, result.stderr
    return out


def test_each_audience_has_its_member_and_not_its_near_miss(audiences_store: Build) -> None:
    members = set(audiences_store.rows(
        "select audience, person_id, entered_on from marts.fct_audience_membership"))
    assert members == EXPECTED_MEMBERS


def test_stages_and_reachability(audiences_store: Build) -> None:
    rows = dict(((audience, person), (stage, can_email, unsubscribed)) for audience, person, stage, can_email, unsubscribed
                in audiences_store.rows("select audience, person_id, stage, can_email, is_unsubscribed "
                                        "from marts.fct_audience_membership"))
    assert rows[("new_first_time_buyers", "customer:c7")] == (4, False, True)
    assert rows[("browse_abandoners", "anonymous:ab1")] == (2, False, False)  # no e-mail known
    assert rows[("cart_abandoners", "customer:c1")] == (3, True, False)
    assert rows[("lapsing_regulars", "customer:c9")] == (5, True, False)


def test_erased_person_is_in_no_audience(audiences_store: Build) -> None:
    erased = email_person("gone@example.com")
    assert audiences_store.scalar(
        f"select count(*) from intermediate.int_audience_memberships where person_id = '{erased}'") == 0


def test_monthly_sizes_and_lift_in_may(audiences_store: Build) -> None:
    # 2025-05-31: ab2 browsing (did nothing after); e2 an enquirer who bought on 06-15 as c11;
    # c5 a new first-time buyer (no second order); c10 one order short (became regular on 06-15);
    # c9 lapsing since 03-31. The 30-day lift window ends on 06-30, the as-of date: outcomes known.
    may = {audience: rest for audience, *rest in audiences_store.rows(
        "select audience, members, new_members, moved_up_in_lift_window, ordered_in_lift_window "
        "from marts.mart_audience_sizes where month = '2025-05-01'")}
    assert may == {
        "browse_abandoners": [1, 1, 0, 0],
        "cart_abandoners": [0, 0, None, None],
        "new_enquirers": [1, 1, 1, 1],
        "new_first_time_buyers": [1, 1, 0, 0],
        "repeat_not_regular": [1, 1, 1, 1],
        "lapsing_regulars": [1, 0, 0, 0],
    }


def test_lift_is_unknown_until_the_window_is_over(audiences_store: Build) -> None:
    june = audiences_store.rows(
        "select count(*), count(moved_up_in_lift_window), count(moved_up_rate) "
        "from marts.mart_audience_sizes where month = '2025-06-01'")
    assert june == [(6, 0, 0)]


def test_export_writes_hashes_of_the_normalised_emails(exported: Path) -> None:
    for audience, hashes in EXPECTED_UPLOADS.items():
        lines = (exported / f"{audience}.csv").read_text().splitlines()
        assert lines == ["Email", *hashes], audience


def test_export_parquet_holds_every_membership(exported: Path) -> None:
    with duckdb.connect() as connection:
        rows = set(connection.execute(
            f"select audience, person_id, entered_on from read_parquet('{exported / 'audience_memberships.parquet'}')"
        ).fetchall())
    assert rows == EXPECTED_MEMBERS


def test_no_exported_file_contains_an_at_sign(exported: Path) -> None:
    for path in exported.glob("*.csv"):
        assert "@" not in path.read_text(), path.name
    with duckdb.connect() as connection:
        values = connection.execute(
            f"select columns(* exclude (entered_on, as_of_date, stage, is_unsubscribed, can_email, p_alive))::varchar "
            f"from read_parquet('{exported / 'audience_memberships.parquet'}')").fetchall()
    assert values and not any("@" in (value or "") for row in values for value in row)


def test_export_parquet_carries_the_upload_hash_of_members_who_may_be_emailed(exported: Path) -> None:
    with duckdb.connect() as connection:
        rows = connection.execute(
            f"select audience, email_sha256 from read_parquet('{exported / 'audience_memberships.parquet'}') "
            f"where email_sha256 is not null").fetchall()
    assert {audience: sorted(h for a, h in rows if a == audience) for audience in EXPECTED_UPLOADS} == EXPECTED_UPLOADS


def test_export_without_a_warehouse_says_so(tmp_path: Path) -> None:
    result = export(tmp_path / "none.duckdb", tmp_path / "none.duckdb", tmp_path / "out")
    assert result.returncode == 2
    assert "does not exist: run `make run`" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def served_marts(audiences_store: Build, tmp_path: Path) -> Path:
    """A served file: the marts only, as scripts/refresh.py publishes them."""
    served = tmp_path / "serving.duckdb"
    with marts_only_file(audiences_store.database, served) as connection:
        connection.execute("create table marts.fct_audience_membership as select * from built.marts.fct_audience_membership")
    return served


def test_export_from_a_served_file_holding_only_the_marts(audiences_store: Build, served_marts: Path,
                                                          tmp_path: Path) -> None:
    result = export(served_marts, audiences_store.database, tmp_path / "audiences")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "audiences").glob("*.csv")) == sorted(
        f"{audience}.csv" for audience in EXPECTED_UPLOADS)
    assert (tmp_path / "audiences" / "cart_abandoners.csv").read_text().splitlines() == [
        "Email", sha("c1@example.com")]


def test_export_needs_the_working_file_for_the_hashes(served_marts: Path, tmp_path: Path) -> None:
    result = export(served_marts, tmp_path / "gone.duckdb", tmp_path / "audiences")
    assert result.returncode == 2
    assert f"working warehouse {tmp_path / 'gone.duckdb'} does not exist" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "audiences").exists()


def test_no_mart_holds_the_upload_hash_of_an_address(audiences_store: Build) -> None:
    """Only activation.customer_match_emails, in the working file, has the plain SHA-256 a BI user
    holding the addresses could match; the marts have keyed hashes only."""
    uploads = {sha(address) for address in fixture_addresses(FIXTURES / "audiences_store")}
    with duckdb.connect(str(audiences_store.database), read_only=True) as connection:
        assert values_holding(connection, "marts", uploads) == []
        in_activation = {value for _, _, value in values_holding(connection, "activation", uploads)}
    # every address but the unsubscribed (c7, e3) and the erased (gone@)
    assert in_activation == {sha(a) for a in ("c1@example.com", "c2@example.com", "c6@example.com",
                                              "c9@example.com", "e1@example.com", "e2@example.com", "b4@example.com")}
