"""A dozen hand-worked people: every person's level, history and facts (docs/levels-and-marts.md)."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import pytest

from conftest import REPO_ROOT, Build, build_fixture
from person_hashes import email_person

D = dt.date

ANN = email_person("ann@example.com")
ZED = email_person("zed@example.com")

# person -> [(level_number, valid_from, valid_to)], worked out by hand from fixtures/levels_store.
EXPECTED_HISTORY = {
    "anonymous:a1": [(2, D(2025, 1, 5), None)],
    ANN: [(2, D(2025, 1, 10), D(2025, 1, 12)), (3, D(2025, 1, 12), None)],
    # visit and sign-up on the same day, then an order with the sign-up e-mail (other case/padding)
    "customer:c3": [(3, D(2025, 2, 1), D(2025, 2, 10)), (4, D(2025, 2, 10), None)],
    # first visit, identify and first order on one day: straight to first-time buyer
    "customer:c4": [(4, D(2025, 3, 1), D(2025, 4, 15)), (5, D(2025, 4, 15), None)],
    "customer:c5": [(4, D(2025, 1, 20), D(2025, 3, 20)), (5, D(2025, 3, 20), D(2025, 5, 20)),
                    (6, D(2025, 5, 20), None)],
    # regular from the third order until 2024-01-10 + 365 days = 2025-01-09 (2024 is a leap year)
    "customer:c6": [(4, D(2024, 1, 10), D(2024, 2, 10)), (5, D(2024, 2, 10), D(2024, 3, 10)),
                    (6, D(2024, 3, 10), D(2025, 1, 9)), (5, D(2025, 1, 9), None)],
    "customer:c7": [(2, D(2025, 4, 1), None)],  # the only order was cancelled
    "customer:c8": [(2, D(2025, 2, 1), D(2025, 3, 1)), (4, D(2025, 3, 1), None)],  # first order fully refunded
    ZED: [(3, D(2025, 5, 1), None)],  # signed up, no page view
    "customer:c10": [(4, D(2025, 6, 30), None)],  # no web events
    "customer:c11": [(2, D(2025, 5, 5), None)],  # identified, never bought
    "customer:c12": [(2, D(2025, 1, 2), D(2025, 2, 2)), (4, D(2025, 2, 2), None)],  # e-mail links the cookie
}


def eur_rate(month: str) -> Decimal:
    with (REPO_ROOT / "seeds" / "fx_rates.csv").open() as handle:
        for row in csv.DictReader(handle):
            if row["month"] == month and row["currency"] == "EUR" and row["reporting_currency"] == "USD":
                return Decimal(row["rate"])
    raise AssertionError(f"seed has no EUR rate for {month}")


# person -> (valid_order_count, net_revenue in USD, acquisition_channel)
EXPECTED_FACTS = {
    "anonymous:a1": (0, Decimal("0"), "google_ads"),
    ANN: (0, Decimal("0"), "direct"),
    "customer:c3": (1, (Decimal("40.00") * eur_rate("2025-02-01")).quantize(Decimal("0.01")), "meta_ads"),
    "customer:c4": (2, Decimal("75.50"), "direct"),
    "customer:c5": (3, Decimal("300.00"), "unknown"),
    "customer:c6": (3, Decimal("30.00"), "unknown"),
    "customer:c7": (0, Decimal("0"), "direct"),
    "customer:c8": (1, Decimal("30.00"), "tiktok_ads"),
    ZED: (0, Decimal("0"), "direct"),
    "customer:c10": (1, Decimal("25.00"), "unknown"),
    "customer:c11": (0, Decimal("0"), "direct"),
    "customer:c12": (1, Decimal("70.00"), "google_ads"),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Build:
    return build_fixture("levels_store", tmp_path_factory)


def test_as_of_date_is_latest_activity(store: Build) -> None:
    assert store.scalar("select distinct as_of_date from marts.dim_people") == D(2025, 6, 30)


def test_every_person_history(store: Build) -> None:
    rows = store.rows("select person_id, level_number, valid_from, valid_to from marts.fct_level_history "
                      "order by person_id, valid_from")
    actual: dict[str, list[tuple]] = {}
    for person_id, level, valid_from, valid_to in rows:
        actual.setdefault(person_id, []).append((level, valid_from, valid_to))
    assert actual == EXPECTED_HISTORY


def test_current_level_is_last_history_row(store: Build) -> None:
    rows = dict(store.rows("select person_id, level_number from marts.dim_people"))
    assert rows == {person: history[-1][0] for person, history in EXPECTED_HISTORY.items()}


def test_people_per_level(store: Build) -> None:
    rows = store.rows("select level_number, level_name, count(*) from marts.dim_people group by all order by 1")
    assert rows == [(2, "visitor", 3), (3, "enquirer", 2), (4, "first_time_buyer", 4),
                    (5, "repeat_buyer", 2), (6, "regular_buyer", 1)]


def test_orders_revenue_and_channel(store: Build) -> None:
    rows = store.rows("select person_id, valid_order_count, net_revenue, acquisition_channel from marts.dim_people")
    assert {r[0]: (r[1], r[2], r[3]) for r in rows} == EXPECTED_FACTS


def test_order_milestones(store: Build) -> None:
    row = store.rows("select first_order_at, second_order_at, last_order_at, first_visit_at, signed_up_at "
                     "from marts.dim_people where person_id = 'customer:c4'")[0]
    assert row == (dt.datetime(2025, 3, 1, 12, 20), dt.datetime(2025, 4, 15, 9), dt.datetime(2025, 4, 15, 9),
                   dt.datetime(2025, 3, 1, 12), None)
    # a fully refunded first order is not the first order
    assert store.scalar("select first_order_at from marts.dim_people where person_id = 'customer:c8'") == \
        dt.datetime(2025, 3, 1, 9)


def test_event_without_any_identifier_is_quarantined_not_stitched(store: Build) -> None:
    assert store.rows("select source_name, record_key, quarantine_reason from audit.quarantine") == [
        ("events", "e18", "no_identifier")]
    assert store.scalar("select count(*) from intermediate.int_events_stitched where event_id = 'e18'") == 0


def test_no_email_address_in_marts(store: Build) -> None:
    for table in ("dim_people", "fct_level_history"):
        columns = [r[0] for r in store.rows(
            f"select column_name from information_schema.columns where table_schema = 'marts' and table_name = '{table}'")]
        assert not [c for c in columns if c == "email"]
        hits = store.scalar(
            f"select count(*) from marts.{table} where "
            + " or ".join(f"cast({c} as varchar) like '%@%'" for c in columns))
        assert hits == 0


def test_level_on_any_date_is_one_join_away(store: Build) -> None:
    on_date = store.rows(
        "select level_number from marts.fct_level_history where person_id = 'customer:c6' "
        "and valid_from <= date '2024-12-31' and (valid_to > date '2024-12-31' or valid_to is null)")
    assert on_date == [(6,)]
