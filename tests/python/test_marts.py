"""The five marts on a three-month store worked out by hand (fixtures/marts_store).

People (as-of date 2025-03-31, the last activity):
  A  visits 01-05 (google_ads), signs up 02-10, first order 03-15 (50)
  B  visits 01-20, buys 02-03 without signing up (100), again 03-03 (40, 10 refunded 03-10)
  C  visits 02-14 (meta_ads) and 03-01, never more
  D  no web events; orders 01-10, 02-10, 03-10 (30 each): regular buyer from 03-10
  E  signs up 03-31 without any page view
  F  visits 01-02, never more
  G  visits 01-25 (tiktok_ads) and buys the same day (20)
  H  no web events; one order 03-20 (10)
Ad spend: google_ads 01-15 (reach 2000, 20 USD), meta_ads 02-15 (no reach, 3000 impressions, 15 USD).
Targets and methods are the shipped seeds: targets 3 %, 5 %, 5 %, 8 %, 12 % for stages 1..5;
welcome_pop_up (stage 2, all months), welcome_series (stage 3 from 2025-01-15),
post_purchase_sequence (stage 4 from 2025-03-01); nothing on stage 5.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal

import duckdb
import pytest
import yaml

from conftest import REPO_ROOT, Build

JAN, FEB, MAR = dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)


@pytest.fixture(scope="module")
def store(marts_store: Build) -> Build:
    return marts_store


def test_level_distribution(store: Build) -> None:
    rows = store.rows("select month, level_number, people, people_change, audience_reached "
                      "from marts.mart_level_distribution order by month, level_number")
    assert rows == [
        # Jan 31: A, B, F visitors; D and G first-time buyers
        (JAN, 1, None, None, 2000), (JAN, 2, 3, 3, None), (JAN, 3, 0, 0, None),
        (JAN, 4, 2, 2, None), (JAN, 5, 0, 0, None), (JAN, 6, 0, 0, None),
        # Feb 28: C, F visitors; A enquirer; B, G first-time; D repeat. No reach: impressions.
        (FEB, 1, None, None, 3000), (FEB, 2, 2, -1, None), (FEB, 3, 1, 1, None),
        (FEB, 4, 2, 0, None), (FEB, 5, 1, 1, None), (FEB, 6, 0, 0, None),
        # Mar 31: C, F; E; A, G, H; B; D regular
        (MAR, 1, None, None, 0), (MAR, 2, 2, 0, None), (MAR, 3, 1, 0, None),
        (MAR, 4, 3, 1, None), (MAR, 5, 1, 0, None), (MAR, 6, 1, 1, None),
    ]


def test_stage_funnel(store: Build) -> None:
    rows = store.rows(
        "select month, stage, on_level_at_month_start, arrived, candidates, converted, conversion_rate, "
        "median_days_to_convert, p90_days_to_convert from marts.mart_stage_funnel order by month, stage")
    expected = [
        # stage 1: audience reached -> new web entrants (A, B, F, G in Jan; C in Feb; E in Mar)
        (JAN, 1, None, None, 2000, 4, 4 / 2000, None, None),
        # stage 2: A, B, F arrive; G skips level 2 the day it buys (0 days)
        (JAN, 2, 0, 4, 4, 1, 0.25, 0.0, 0.0),
        (JAN, 3, 0, 1, 1, 1, 1.0, 0.0, 0.0),  # G skips level 3 too
        (JAN, 4, 0, 2, 2, 0, 0.0, None, None),  # D and G arrive
        (JAN, 5, 0, 0, 0, 0, None, None, None),
        (FEB, 1, None, None, 3000, 1, 1 / 3000, None, None),
        # A after 36 days, B after 14: median 25, p90 14 + 0.9 * 22
        (FEB, 2, 3, 1, 4, 2, 0.5, 25.0, 33.8),
        (FEB, 3, 0, 2, 2, 1, 0.5, 0.0, 0.0),  # A arrives; B skips level 3
        (FEB, 4, 2, 1, 3, 1, 1 / 3, 31.0, 31.0),  # D repeats after 31 days
        (FEB, 5, 0, 1, 1, 0, 0.0, None, None),
        (MAR, 1, None, None, 0, 1, None, None, None),  # no ad spend: no candidates, E still a new visitor
        (MAR, 2, 2, 1, 3, 1, 1 / 3, 0.0, 0.0),  # E signs up without a page view
        (MAR, 3, 1, 1, 2, 1, 0.5, 33.0, 33.0),  # A buys 33 days after signing up
        (MAR, 4, 2, 2, 4, 1, 0.25, 28.0, 28.0),  # A and H arrive; B repeats after 28 days
        (MAR, 5, 1, 1, 2, 1, 0.5, 28.0, 28.0),  # D becomes regular 28 days after its second order
    ]
    assert len(rows) == len(expected)
    for actual, wanted in zip(rows, expected):
        assert actual[:6] == wanted[:6]
        for got, want in zip(actual[6:], wanted[6:]):
            assert got == pytest.approx(want, abs=1e-9) if want is not None else got is None, (actual, wanted)


def test_weakest_stage_and_marketing_sheet(store: Build) -> None:
    rows = store.rows(
        "select month, stage, performance_rank, is_weakest, marketing_methods, paid_channels, paid_spend, "
        "has_no_marketing from marts.mart_stage_focus order by month, stage")
    assert rows == [
        # Jan indices: s1 0.002/0.03 = 0.07, s2 0.25/0.05 = 5, s3 1/0.05 = 20, s4 0/0.08 = 0, s5 none
        (JAN, 1, 2, False, None, "google_ads", Decimal("20.00"), False),
        (JAN, 2, 3, False, "welcome_pop_up", None, Decimal("0.00"), False),
        (JAN, 3, 4, False, "welcome_series", None, Decimal("0.00"), False),
        (JAN, 4, 1, True, None, None, Decimal("0.00"), True),
        (JAN, 5, None, False, None, None, Decimal("0.00"), True),
        # Feb: s1 0.011, s2 10, s3 10, s4 4.17, s5 0 (ties go to the earlier stage)
        (FEB, 1, 2, False, None, "meta_ads", Decimal("15.00"), False),
        (FEB, 2, 4, False, "welcome_pop_up", None, Decimal("0.00"), False),
        (FEB, 3, 5, False, "welcome_series", None, Decimal("0.00"), False),
        (FEB, 4, 3, False, None, None, Decimal("0.00"), True),
        (FEB, 5, 1, True, None, None, Decimal("0.00"), True),
        # Mar: s1 none, s2 6.67, s3 10, s4 3.125, s5 4.17
        (MAR, 1, None, False, None, None, Decimal("0.00"), True),
        (MAR, 2, 3, False, "welcome_pop_up", None, Decimal("0.00"), False),
        (MAR, 3, 4, False, "welcome_series", None, Decimal("0.00"), False),
        (MAR, 4, 1, True, "post_purchase_sequence", None, Decimal("0.00"), False),
        (MAR, 5, 2, False, None, None, Decimal("0.00"), True),
    ]
    index = store.scalar("select performance_index from marts.mart_stage_focus where month = date '2025-03-01' "
                         "and stage = 4")
    assert index == pytest.approx(0.25 / 0.08)


def test_stage_conversion_cohorts(store: Build) -> None:
    rows = store.rows(
        "select month, stage, arrived, passed_within_7_days, conversion_rate_within_7_days, "
        "passed_within_30_days, conversion_rate_within_30_days, conversion_rate_within_90_days, "
        "conversion_rate_within_365_days from marts.mart_stage_conversion_cohorts order by month, stage")
    # Windows elapsed by 03-31: Jan cohorts 7 and 30 days, Feb cohorts 7 and 30 (Feb 28 + 30 = Mar 30),
    # Mar cohorts none; 90 and 365 days nowhere.
    assert rows == [
        (JAN, 2, 4, 1, 0.25, 2, 0.5, None, None),  # G in 0 days, B in 14, A in 36, F not yet
        (JAN, 3, 1, 1, 1.0, 1, 1.0, None, None),
        (JAN, 4, 2, 0, 0.0, 0, 0.0, None, None),  # D took 31 days
        (JAN, 5, 0, 0, None, 0, None, None, None),
        (FEB, 2, 1, 0, 0.0, 0, 0.0, None, None),
        (FEB, 3, 2, 1, 0.5, 1, 0.5, None, None),  # B in 0 days, A in 33
        (FEB, 4, 1, 0, 0.0, 1, 1.0, None, None),  # B in 28
        (FEB, 5, 1, 0, 0.0, 1, 1.0, None, None),  # D in 28
        (MAR, 2, 1, None, None, None, None, None, None),
        (MAR, 3, 1, None, None, None, None, None, None),
        (MAR, 4, 2, None, None, None, None, None, None),
        (MAR, 5, 1, None, None, None, None, None, None),
    ]


def test_cohort_ltv(store: Build) -> None:
    rows = store.rows(
        "select cohort_month, acquisition_channel, months_since_first_order, cohort_size, active_customers, "
        "orders, net_revenue, cumulative_net_revenue, ltv_per_customer, retention_rate "
        "from marts.mart_cohort_ltv order by cohort_month, acquisition_channel, months_since_first_order")
    d = Decimal
    assert rows == [
        (JAN, "all", 0, 2, 2, 2, d("50.00"), d("50.00"), d("25.00"), 1.0),  # D 30 + G 20
        (JAN, "all", 1, 2, 1, 1, d("30.00"), d("80.00"), d("40.00"), 0.5),
        (JAN, "all", 2, 2, 1, 1, d("30.00"), d("110.00"), d("55.00"), 0.5),
        (JAN, "tiktok_ads", 0, 1, 1, 1, d("20.00"), d("20.00"), d("20.00"), 1.0),
        (JAN, "tiktok_ads", 1, 1, 0, 0, d("0.00"), d("20.00"), d("20.00"), 0.0),
        (JAN, "tiktok_ads", 2, 1, 0, 0, d("0.00"), d("20.00"), d("20.00"), 0.0),
        (JAN, "unknown", 0, 1, 1, 1, d("30.00"), d("30.00"), d("30.00"), 1.0),
        (JAN, "unknown", 1, 1, 1, 1, d("30.00"), d("60.00"), d("60.00"), 1.0),
        (JAN, "unknown", 2, 1, 1, 1, d("30.00"), d("90.00"), d("90.00"), 1.0),
        (FEB, "all", 0, 1, 1, 1, d("100.00"), d("100.00"), d("100.00"), 1.0),
        (FEB, "all", 1, 1, 1, 1, d("30.00"), d("130.00"), d("130.00"), 1.0),  # 40 less the 10 refunded
        (FEB, "direct", 0, 1, 1, 1, d("100.00"), d("100.00"), d("100.00"), 1.0),
        (FEB, "direct", 1, 1, 1, 1, d("30.00"), d("130.00"), d("130.00"), 1.0),
        (MAR, "all", 0, 2, 2, 2, d("60.00"), d("60.00"), d("30.00"), 1.0),  # A 50 + H 10
        (MAR, "google_ads", 0, 1, 1, 1, d("50.00"), d("50.00"), d("50.00"), 1.0),
        (MAR, "unknown", 0, 1, 1, 1, d("10.00"), d("10.00"), d("10.00"), 1.0),
    ]


def test_reconciliation_tests_ran_and_passed(store: Build) -> None:
    for test in ("assert_cohort_ltv_reconciles_with_valid_orders", "assert_level_distribution_matches_history",
                 "assert_stage_funnel_matches_level_history", "assert_one_weakest_stage_per_month"):
        assert f"PASS {test}" in store.output


def test_every_dbt_unit_test_ran_and_passed(store: Build) -> None:
    """The other builds leave dbt's unit tests out (conftest.py); this one runs each declared in YAML."""
    declared = {test["name"] for path in (REPO_ROOT / "models").rglob("*.yml")
                for test in (yaml.safe_load(path.read_text()) or {}).get("unit_tests", [])}
    run_results = json.loads((store.database.parent / "target" / "run_results.json").read_text())
    passed = {result["unique_id"].split(".")[-1] for result in run_results["results"]
              if result["unique_id"].startswith("unit_test.") and result["status"] == "pass"}
    assert len(declared) >= 10 and passed == declared


def test_orders_only_store_fills_buyer_stages_and_ltv(orders_only: Build) -> None:
    funnel = orders_only.rows("select month, stage, candidates, converted, conversion_rate "
                              "from marts.mart_stage_funnel order by month, stage")
    assert funnel == [
        (JAN, 1, 0, 0, None), (JAN, 2, 0, 0, None), (JAN, 3, 0, 0, None), (JAN, 4, 3, 0, 0.0),
        (JAN, 5, 0, 0, None),
        (FEB, 1, 0, 0, None), (FEB, 2, 0, 0, None), (FEB, 3, 0, 0, None), (FEB, 4, 3, 2, 2 / 3),
        (FEB, 5, 2, 0, 0.0),
        (MAR, 1, 0, 0, None), (MAR, 2, 0, 0, None), (MAR, 3, 0, 0, None), (MAR, 4, 1, 0, 0.0),
        (MAR, 5, 2, 1, 0.5),
    ]
    ltv = orders_only.rows("select acquisition_channel, months_since_first_order, cohort_size, active_customers, "
                           "net_revenue from marts.mart_cohort_ltv order by 1, 2")
    assert ltv == [
        ("all", 0, 3, 3, Decimal("60.00")), ("all", 1, 3, 2, Decimal("40.00")), ("all", 2, 3, 1, Decimal("10.00")),
        ("unknown", 0, 3, 3, Decimal("60.00")), ("unknown", 1, 3, 2, Decimal("40.00")),
        ("unknown", 2, 3, 1, Decimal("10.00")),
    ]
    # only stages 4 and 5 have indices: Jan s4 (0), Feb s5 (0 < 8.3 of s4), Mar s4 (0 < 4.2 of s5)
    weakest = orders_only.rows("select month, stage from marts.mart_stage_focus where is_weakest order by month")
    assert weakest == [(JAN, 4), (FEB, 5), (MAR, 4)]


def test_not_null_columns_names_each_column_holding_nulls(store: Build, tmp_path) -> None:
    """The one not-null test per model (macros/test_not_null_columns.sql) passed on the store, and its
    compiled SQL, run on a copy of the store with two nulls written into dim_people, returns exactly
    the columns holding them and how many."""
    assert "PASS not_null_columns_dim_people" in store.output
    compiled = next((store.database.parent / "target" / "compiled").rglob("not_null_columns_dim_people_*.sql"))
    copy = tmp_path / store.database.name  # same file name: the compiled SQL names the catalog
    shutil.copyfile(store.database, copy)
    with duckdb.connect(str(copy)) as connection:
        connection.execute("update marts.dim_people set acquisition_channel = null "
                           "where person_id in (select person_id from marts.dim_people order by person_id limit 2)")
        failures = connection.execute(compiled.read_text()).fetchall()
    assert failures == [("acquisition_channel", 2)]
