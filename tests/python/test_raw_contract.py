"""The raw contract: missing sources are empty tables, duplicates keep the first delivery, broken files stop."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conftest import FIXTURES, Build, build_project, write_raw_store

D = dt.date


def test_orders_only_store_builds_buyer_levels(orders_only: Build) -> None:
    history = orders_only.rows("select person_id, level_number, valid_from, valid_to from marts.fct_level_history "
                               "order by person_id, valid_from")
    assert history == [
        ("customer:c1", 4, D(2025, 1, 1), None),
        ("customer:c2", 4, D(2025, 1, 2), D(2025, 2, 2)),
        ("customer:c2", 5, D(2025, 2, 2), None),
        ("customer:c3", 4, D(2025, 1, 3), D(2025, 2, 3)),
        ("customer:c3", 5, D(2025, 2, 3), D(2025, 3, 3)),
        ("customer:c3", 6, D(2025, 3, 3), None),
    ]


def test_orders_only_keeps_people_without_a_level(orders_only: Build) -> None:
    # c4's only order was cancelled: known to the store, on no level, not dropped.
    rows = orders_only.rows("select person_id, level_number, acquisition_channel, valid_order_count "
                            "from marts.dim_people order by person_id")
    assert rows == [("customer:c1", 4, "unknown", 1), ("customer:c2", 5, "unknown", 2),
                    ("customer:c3", 6, "unknown", 3), ("customer:c4", None, "unknown", 0)]


def test_absent_sources_are_empty_tables(orders_only: Build) -> None:
    for table in ("stg_web__events", "stg_shop__refunds", "stg_ads__ad_spend"):
        assert orders_only.scalar(f"select count(*) from staging.{table}") == 0


@pytest.fixture(scope="module")
def duplicates(duplicate_delivery: Build) -> Build:
    return duplicate_delivery


def test_duplicate_deliveries_keep_the_first_loaded(duplicates: Build) -> None:
    assert duplicates.rows("select order_id, amount, status from staging.stg_shop__orders order by order_id") == [
        ("o1", Decimal("10.00"), "completed"), ("o2", Decimal("20.00"), "completed")]
    assert duplicates.scalar("select count(*) from staging.stg_web__events") == 2
    assert duplicates.scalar("select count(*) from staging.stg_shop__refunds") == 1


def test_duplicate_deliveries_do_not_double_value(duplicates: Build) -> None:
    assert duplicates.rows("select person_id, valid_order_count, net_revenue, acquisition_channel "
                           "from marts.dim_people") == [("customer:c1", 2, Decimal("25.00"), "meta_ads")]
    assert duplicates.rows("select level_number, valid_from, valid_to from marts.fct_level_history "
                           "order by valid_from") == [(4, D(2025, 1, 1), D(2025, 1, 5)), (5, D(2025, 1, 5), None)]


def test_missing_required_column_stops_with_a_clear_message(tmp_path_factory: pytest.TempPathFactory) -> None:
    work_dir = tmp_path_factory.mktemp("missing_column")
    raw_dir = write_raw_store(FIXTURES / "missing_column", work_dir / "raw")
    build = build_project(raw_dir, work_dir)
    assert build.result.returncode != 0
    assert "Raw source 'shop.orders'" in build.output
    assert "required column(s) missing from every file: amount" in build.output


def test_empty_raw_directory_builds_an_empty_warehouse(empty_store: Build) -> None:
    build = empty_store
    assert build.result.returncode == 0, build.output[-3000:]
    assert build.scalar("select count(*) from marts.dim_people") == 0
    assert build.scalar("select count(*) from marts.fct_level_history") == 0
