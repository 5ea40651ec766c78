"""Web and e-mail data as GA4, Segment / RudderStack and Klaviyo deliver it (issue #16).

One small store (fixtures/web_sources_store, in the canonical contract) is built three times: as
it is, as GA4 + Klaviyo with the orders from GA4's purchase events, and as Segment with the orders
from Order Completed (scripts/formats_web.py writes the formats). The trap rows of
fixtures/web_sources_traps only quarantine or deduplicate, so the three builds must publish the
same marts; their fates are checked in audit.raw_row_accounting and audit.quarantine, with the
figures worked out by hand in the fixtures' READMEs and below. Because the formats are written by
our own writer, fixtures/segment_real_shape holds Segment rows written by hand as the warehouse
loads them (event = slug, event_text = name, uuid_ts, context_*), mapped in a staging-only run,
and fixtures/ga4_real_shape a GA4 export with every column of Google's export schema.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import FIXTURES, REPO_ROOT, Build, build_fixture, build_project, timed_build, write_raw_store
from person_hashes import email_hash

sys.path.insert(0, str(REPO_ROOT / "scripts"))
from formats_web import convert_store  # noqa: E402

STORE = FIXTURES / "web_sources_store"
TRAPS = FIXTURES / "web_sources_traps"
GA4_VARS = {"web_source": "ga4", "email_source": "klaviyo", "order_source": "web"}
SEGMENT_VARS = {"web_source": "segment", "email_source": "web", "order_source": "web"}


def format_store(work_dir: Path, web_format: str, email_source: str) -> Path:
    """The fixture store written in a tool's format, plus that tool's trap files."""
    canonical = write_raw_store(STORE, work_dir / "canonical")
    raw = work_dir / "raw"
    convert_store(canonical, raw, web_format, email_source=email_source, order_source="web")
    if web_format == "ga4":
        # the last day exists only as the intraday table: read, as no daily table holds it
        (raw / "ga4" / "events_20250510").rename(raw / "ga4" / "events_intraday_20250510")
    for tool in (web_format, "klaviyo") if email_source == "klaviyo" else (web_format,):
        shutil.copytree(TRAPS / tool, raw / tool, dirs_exist_ok=True)
    return raw


def format_build(name: str, tmp_path_factory: pytest.TempPathFactory, web_format: str, dbt_vars: dict) -> Build:
    work_dir = tmp_path_factory.mktemp(name)
    raw = format_store(work_dir, web_format, dbt_vars["email_source"])
    build = build_project(raw, work_dir, **dbt_vars)
    assert build.result.returncode == 0, build.output[-5000:]
    return build


@pytest.fixture(scope="module")
def canonical(tmp_path_factory: pytest.TempPathFactory) -> Build:
    return build_fixture("web_sources_store", tmp_path_factory)


@pytest.fixture(scope="module")
def ga4(tmp_path_factory: pytest.TempPathFactory) -> Build:
    return format_build("ga4_store", tmp_path_factory, "ga4", GA4_VARS)


@pytest.fixture(scope="module")
def segment(tmp_path_factory: pytest.TempPathFactory) -> Build:
    return format_build("segment_store", tmp_path_factory, "segment", SEGMENT_VARS)


def mart_differences(expected: Build, actual: Build) -> dict[str, tuple[int, int]]:
    """Per mart: (rows only in expected, rows only in actual), every column compared."""
    differences = {}
    with duckdb.connect() as connection:
        connection.execute(f"attach '{expected.database}' as expected (read_only)")
        connection.execute(f"attach '{actual.database}' as actual (read_only)")
        marts = [row[0] for row in connection.execute(
            "select table_name from information_schema.tables where table_catalog = 'expected' "
            "and table_schema = 'marts' order by 1").fetchall()]
        assert len(marts) >= 10
        for mart in marts:
            missing = connection.execute(f"select count(*) from (select * from expected.marts.{mart} "
                                         f"except all select * from actual.marts.{mart})").fetchone()[0]
            extra = connection.execute(f"select count(*) from (select * from actual.marts.{mart} "
                                       f"except all select * from expected.marts.{mart})").fetchone()[0]
            if missing or extra:
                differences[mart] = (missing, extra)
    return differences


def test_canonical_store_has_every_level(canonical: Build) -> None:
    # the store the formats must reproduce, by hand: c2 two valid orders (o3 partly refunded)
    assert canonical.rows("select person_id, level_number from marts.dim_people order by 1") == [
        ("anonymous:b3", 2), ("anonymous:v1", 2), ("customer:c1", 4), ("customer:c2", 5), ("customer:c4", 2),
        ("email:" + email_hash("three@example.com"), 3),
    ]


@pytest.mark.parametrize("tool", ["ga4", "segment"])
def test_a_tool_format_builds_the_canonical_marts(tool: str, canonical: Build, request: pytest.FixtureRequest) -> None:
    assert mart_differences(canonical, request.getfixturevalue(tool)) == {}


def test_ga4_rows_are_accounted_for(ga4: Build) -> None:
    # ga4: 13 web events + 3 purchases + 1 refund written from the store, 8 trap rows (traps README);
    # kept 17 + the sign_up visit; quarantined: no cookie, no transaction id, the cookie-less refund of
    # an unknown order (orphan_refund); duplicates: the intraday draft's 2 rows, o2 sent again, w12
    # exported twice. klaviyo: 3 + the redelivery + Opened Email.
    assert ga4.rows("select source_system, source_name, rows_read, rows_kept, rows_quarantined, "
                    "duplicates_dropped, rows_erased, rows_merged, is_balanced "
                    "from audit.raw_row_accounting order by 1, 2") == [
        ("contract", "ad_spend", 0, 0, 0, 0, 0, 0, True),
        ("ga4", "events", 25, 18, 3, 4, 0, 0, True),
        ("klaviyo", "events", 5, 3, 1, 1, 0, 0, True),
    ]


def test_ga4_and_klaviyo_rejects_are_quarantined_with_their_reasons(ga4: Build) -> None:
    assert ga4.rows("select source_name, record_key, quarantine_reason from audit.quarantine order by 3") == [
        ("events", ga4_event_id("", "2025-03-20 12:00:00", "page_view", "https://shop.example/products/mug"),
         "ga4_no_cookie"),
        ("events", "klaviyo:kl-open1", "klaviyo_unmapped_metric"),
        ("orders", None, "missing_transaction_id"),
        # a refund sent without a cookie is not ga4_no_cookie (it belongs to its transaction id): it
        # goes on to the refund checks, and o9 is no order of the store's
        ("refunds", ga4_event_id("", "2025-03-20 13:00:00", "refund", ""), "orphan_refund"),
    ]


def ga4_event_id(cookie: str, at: str, name: str, page_location: str) -> str:
    """The documented derived id: 'ga4:' + MD5 of cookie|micros|name|ga_session_id|batch_event_index|page_location."""
    import datetime as dt
    micros = int(dt.datetime.fromisoformat(at).replace(tzinfo=dt.timezone.utc).timestamp() * 1_000_000)
    return "ga4:" + hashlib.md5(f"{cookie}|{micros}|{name}|||{page_location}".encode()).hexdigest()


def test_ga4_events_map_into_the_contract(ga4: Build) -> None:
    rows = ga4.rows("select event_id, event_type, anonymous_id, customer_id, utm_source, utm_medium, utm_campaign, "
                    "page_path, referrer from staging.stg_web__events where anonymous_id in ('v1', 'b1') "
                    "order by occurred_at")
    assert rows == [
        # nested: collected_traffic_source's campaign, page_location's path, page_referrer
        (ga4_event_id("v1", "2025-03-03 09:00:00", "page_view", "https://shop.example/"), "page_view", "v1", None,
         "google", "cpc", "spring", "/", "https://www.google.com/"),
        # view_item: a page view keeping the product page's path
        (ga4_event_id("v1", "2025-03-03 09:02:00", "view_item", "https://shop.example/products/mug"), "page_view",
         "v1", None, None, None, None, "/products/mug", None),
        (ga4_event_id("b1", "2025-03-05 10:00:00", "page_view", "https://shop.example/"), "page_view", "b1", None,
         "newsletter", "email", "march", "/", None),
        (ga4_event_id("b1", "2025-03-05 10:05:00", "login", "https://shop.example/account"), "identify", "b1", "c1",
         None, None, None, "/account", None),
        # sign_up with email_source klaviyo: a visit
        (ga4_event_id("b1", "2025-03-05 10:06:00", "sign_up", "https://shop.example/account"), "page_view", "b1",
         "c1", None, None, None, "/account", None),
        (ga4_event_id("b1", "2025-03-05 10:07:00", "add_to_cart", "https://shop.example/products/mug"), "add_to_cart",
         "b1", "c1", None, None, None, "/products/mug", None),
        (ga4_event_id("b1", "2025-03-05 10:09:00", "begin_checkout", "https://shop.example/checkout"),
         "checkout_started", "b1", "c1", None, None, None, "/checkout", None),
    ]
    # the intraday draft of 2025-03-05 is not read (its ghost cookie appears nowhere); 2025-05-10's is
    assert ga4.scalar("select count(*) from staging.stg_web__events where anonymous_id = 'ghost'") == 0
    assert ga4.rows("select anonymous_id, source_file like '%events_intraday_20250510%' from staging.stg_web__events "
                    "where occurred_at = timestamp '2025-05-10 18:00:00'") == [("b2", True)]


def test_ga4_purchases_are_the_orders_once_each(ga4: Build) -> None:
    assert ga4.rows("select order_id, customer_id, ordered_at, currency, amount, status from staging.stg_shop__orders "
                    "order by 1") == [
        ("o1", "c1", _ts("2025-03-05 10:12:00"), "USD", 40, "completed"),
        # sent again on 2025-03-11: the first delivery (the daily table of 2025-03-10) is kept
        ("o2", "c2", _ts("2025-03-10 08:10:00"), "USD", 25, "completed"),
        ("o3", "c2", _ts("2025-04-20 12:00:00"), "USD", 60, "completed"),
    ]
    assert ga4.rows("select order_id, amount from staging.stg_shop__refunds") == [("o3", 20)]


def test_klaviyo_subscriptions_are_the_email_events(ga4: Build) -> None:
    assert ga4.rows("select event_id, event_type, anonymous_id, customer_id, email_hash from staging.stg_web__events "
                    "where event_type like 'email%' order by occurred_at") == [
        ("klaviyo:kl-w09", "email_signup", None, "c2", email_hash("two@example.com")),
        ("klaviyo:kl-w10", "email_signup", None, None, email_hash("three@example.com")),
        ("klaviyo:kl-w15", "email_unsubscribe", None, "c2", email_hash("two@example.com")),
    ]


def test_segment_rows_are_accounted_for(segment: Build) -> None:
    # written from the store: 5 pages, 3 identifies, 12 tracks and their per-event rows (2 Product
    # Viewed, 2 Product Added, 1 Checkout Started, 2 Signed Up, 1 Unsubscribed, 3 Order Completed,
    # 1 Order Refunded); traps: w07 again, an Order Completed without order_id and its tracks copy,
    # a tracks-only Coupon Applied, an identify with an e-mail.
    assert segment.rows("select source_name, rows_read, rows_kept, rows_quarantined, duplicates_dropped, "
                        "rows_erased, rows_merged, is_balanced from audit.raw_row_accounting "
                        "where source_system = 'segment' order by 1") == [
        ("checkout_started", 1, 1, 0, 0, 0, 0, True),
        ("identifies", 4, 4, 0, 0, 0, 0, True),
        ("order_completed", 4, 3, 1, 0, 0, 0, True),
        ("order_refunded", 1, 1, 0, 0, 0, 0, True),
        ("pages", 6, 5, 0, 1, 0, 0, True),
        ("product_added", 2, 2, 0, 0, 0, 0, True),
        ("product_viewed", 2, 2, 0, 0, 0, 0, True),
        ("signed_up", 2, 2, 0, 0, 0, 0, True),
        ("tracks", 14, 1, 0, 13, 0, 0, True),
        ("unsubscribed", 1, 1, 0, 0, 0, 0, True),
    ]
    assert segment.rows("select source_name, record_key, quarantine_reason from audit.quarantine") == [
        ("orders", None, "missing_order_id")]


def test_segment_calls_map_into_the_contract(segment: Build) -> None:
    rows = segment.rows("select event_id, event_type, anonymous_id, customer_id, email_hash, page_path "
                        "from staging.stg_web__events where event_id in ('w02', 'w05', 'w09', 'w15', 'cp1', 'id-email') "
                        "order by occurred_at")
    assert rows == [
        ("w02", "page_view", "v1", None, None, "/products/mug"),  # Product Viewed
        ("w05", "add_to_cart", "b1", "c1", None, "/products/mug"),  # Product Added
        ("cp1", "page_view", "b1", "c1", None, "/cart"),  # a track call of another name: a visit
        ("w09", "email_signup", None, "c2", email_hash("two@example.com"), None),  # Signed Up
        ("id-email", "identify", "b2", "c2", email_hash("two@example.com"), "/account"),  # read from CSV
        ("w15", "email_unsubscribe", None, "c2", email_hash("two@example.com"), None),  # Unsubscribed
    ]


def _ts(text: str):
    import datetime as dt
    return dt.datetime.fromisoformat(text)


def staged(tmp_path: Path, raw: Path, models: list[str], query: str, **dbt_vars: object) -> list[tuple]:
    """Staging only: one dbt run of a tool's staging views over the raw store <raw>, then a query."""
    database = tmp_path / "staged.duckdb"
    env = {**os.environ, "CUSTOMER_LEVELS_DB": str(database), "DBT_PROFILES_DIR": str(REPO_ROOT)}
    # with the models they read (GA4's parsed raw rows are a table)
    command = [str(Path(sys.executable).with_name("dbt")), "run", "--select", *(f"+{model}" for model in models),
               "--vars", json.dumps({"raw_data_dir": str(raw), **dbt_vars}),
               "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]
    with timed_build(f"dbt run {' '.join(models)}"):
        result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(query).fetchall()


def test_web_signup_events_names_the_sign_ups(tmp_path: Path) -> None:
    """Staging only (one dbt run of two views): a store's own sign-up event names replace the
    default list (generate_lead is then a visit), the default unsubscribe name stays."""
    raw = tmp_path / "raw"
    day = raw / "ga4" / "events_20250301"
    day.mkdir(parents=True)
    rows = [{"event_date": "20250301", "event_timestamp": str(1740819600000000 + i), "event_name": name,
             "user_pseudo_id": "p1"} for i, name in enumerate(
                 ["sign_up", "generate_lead", "unsubscribe", "Pop-up Email Accepted", "scroll"])]
    (day / "part-0.json").write_text("".join(json.dumps(row) + "\n" for row in rows))

    # sign_up, generate_lead, unsubscribe, Pop-up Email Accepted, scroll
    assert staged(tmp_path, raw, ["stg_ga4__events"], "select event_type from staging.stg_ga4__events order by occurred_at",
                  web_source="ga4", web_signup_events=["sign_up", "Pop-up Email Accepted"]) == [
        ("email_signup",), ("page_view",), ("email_unsubscribe",), ("email_signup",), ("page_view",)]


def test_the_parsed_ga4_rows_keep_no_erased_person_after_the_run(tmp_path: Path) -> None:
    """base_ga4__events is a table (the nested files parsed once per run): when the run ends, the
    rows of an erased person are gone from it. c1's request erases c1 and p1, the cookie c1 logged
    in with (login event); p2 never logged in and stays."""
    raw = tmp_path / "raw"
    day = raw / "ga4" / "events_20250301"
    day.mkdir(parents=True)
    rows = [{"event_date": "20250301", "event_timestamp": str(1740819600000000 + i), "event_name": name,
             "user_pseudo_id": cookie, "user_id": user_id}
            for i, (name, cookie, user_id) in enumerate([("page_view", "p1", None), ("login", "p1", "c1"),
                                                          ("page_view", "p2", None)])]
    (day / "part-0.json").write_text("".join(json.dumps(row) + "\n" for row in rows))
    (raw / "erasure_requests").mkdir()
    duckdb.sql("select 'c1' as customer_id, null::varchar as email, timestamp '2025-03-02 09:00:00' as requested_at"
               ).write_parquet(str(raw / "erasure_requests" / "part-0.parquet"))

    assert staged(tmp_path, raw, ["base_ga4__events", "erasure_log"],
                  "select user_pseudo_id, user_id from staging.base_ga4__events",
                  web_source="ga4", order_source="web") == [("p2", None)]


def test_segment_warehouse_rows_map_by_slug_and_name(tmp_path: Path) -> None:
    """Segment's warehouse shape (fixtures/segment_real_shape, fates worked out in its README):
    event is the slug, event_text the name as sent. Staging only: two views."""
    raw = tmp_path / "raw"
    shutil.copytree(FIXTURES / "segment_real_shape", raw / "segment", ignore=shutil.ignore_patterns("*.md"))
    dbt_vars = {"web_source": "segment", "email_source": "web", "order_source": "web",
                "web_signup_events": ["Signed Up", "Pop-up Email Accepted"]}
    loaded = _ts("2025-05-06 09:30:12")
    assert staged(tmp_path, raw, ["stg_segment__events", "stg_segment__orders"],
                  "select event_id, event_type, anonymous_id, customer_id, email, loaded_at, page_path, utm_source, "
                  "utm_medium, utm_campaign from staging.stg_segment__events order by occurred_at", **dbt_vars) == [
        ("ajs-pg-1", "page_view", "anon-7f3a", None, None, loaded, "/", "newsletter", "email", "may"),
        ("ajs-sgn-1", "email_signup", "anon-7f3a", None, "jane@example.com", loaded, "/", None, None, None),
        ("ajs-pop-1", "email_signup", "anon-7f3a", None, None, loaded, "/products/mug", None, None, None),
        ("ajs-crt-1", "add_to_cart", "anon-7f3a", None, None, loaded, "/products/mug", None, None, None),
        ("ajs-cpn-1", "page_view", "anon-7f3a", None, None, loaded, "/cart", None, None, None),
        ("ajs-uns-1", "email_unsubscribe", None, "cust-1042", None, _ts("2025-05-07 08:30:12"), "/account/email",
         None, None, None),
    ]
    with duckdb.connect(str(tmp_path / "staged.duckdb"), read_only=True) as connection:
        orders = connection.execute(
            "select order_id, customer_id, email, ordered_at, currency, amount, loaded_at, source_quarantine_reason "
            "from staging.stg_segment__orders order by ordered_at").fetchall()
    assert orders == [
        ("1042", "cust-1042", "jane@example.com", _ts("2025-05-06 09:10:00.100"), "EUR", 54.9, loaded, None),
        (None, "anon-9c21", None, _ts("2025-05-06 11:00:00.100"), None, None, _ts("2025-05-06 11:30:12"),
         "missing_order_id"),
    ]


def test_ga4_export_in_its_full_shape_maps_into_the_contract(tmp_path: Path) -> None:
    """GA4's export with every top-level column and nested type as BigQuery writes it to Parquet
    (fixtures/ga4_real_shape, written by its write_fixture.py; fates worked out in its README):
    the columns not read are ignored, the wide ecommerce struct and the items list do not disturb
    the fields read. Staging only: two views."""
    raw = tmp_path / "raw"
    shutil.copytree(FIXTURES / "ga4_real_shape" / "ga4", raw / "ga4")
    dbt_vars = {"web_source": "ga4", "email_source": "web", "order_source": "web"}
    cookie, daily_loaded = "1748937600.1402537788", _ts("2025-06-04 00:00:00")
    landing = "https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=june"
    # the intraday draft's two rows (s1, p1 again) are not there: the daily table holds 2025-06-03
    assert staged(tmp_path, raw, ["stg_ga4__events", "stg_ga4__orders"],
                  "select event_type, anonymous_id, customer_id, email, occurred_at, loaded_at, page_path, utm_source, "
                  "utm_medium, utm_campaign, referrer, source_quarantine_reason from staging.stg_ga4__events "
                  "order by occurred_at", **dbt_vars) == [
        ("page_view", cookie, None, None, _ts("2025-06-03 10:00:00"), daily_loaded, "/", "newsletter", "email",
         "june", None, None),  # s1: session_start is a visit
        ("page_view", cookie, None, None, _ts("2025-06-03 10:00:00.000100"), daily_loaded, "/", "newsletter",
         "email", "june", None, None),  # p1
        ("page_view", cookie, None, None, _ts("2025-06-03 10:01:00"), daily_loaded, "/products/linen-shirt", None,
         None, None, landing, None),  # v1: view_item, the query string dropped
        ("add_to_cart", cookie, None, None, _ts("2025-06-03 10:02:00"), daily_loaded, "/products/linen-shirt",
         None, None, None, None, None),  # a1
        ("checkout_started", cookie, None, None, _ts("2025-06-03 10:03:00"), daily_loaded, "/checkout", None,
         None, None, None, None),  # b1
        ("page_view", None, None, None, _ts("2025-06-03 11:00:00"), daily_loaded, "/about", None, None, None,
         None, "ga4_no_cookie"),  # c1: consent mode
    ]
    with duckdb.connect(str(tmp_path / "staged.duckdb"), read_only=True) as connection:
        orders = connection.execute(
            "select order_id, customer_id, email, ordered_at, currency, amount, status, loaded_at, "
            "source_quarantine_reason from staging.stg_ga4__orders order by ordered_at").fetchall()
    assert orders == [
        ("T-1001", "cust-77", None, _ts("2025-06-03 10:05:00"), "EUR", 72.5, "completed", daily_loaded, None),
        (None, cookie, None, _ts("2025-06-03 12:00:00"), "EUR", 7.5, "completed", daily_loaded,
         "missing_transaction_id"),  # x1: "(not set)"
    ]


def test_an_unknown_source_system_stops_dbt_with_one_line(tmp_path: Path) -> None:
    """web_source rudderstack (a natural guess): dbt stops while parsing, on one line that names
    the var, the values it takes and what RudderStack uses, not with "node not found"."""
    env = {**os.environ, "CUSTOMER_LEVELS_DB": str(tmp_path / "parse.duckdb"), "DBT_PROFILES_DIR": str(REPO_ROOT)}
    command = [str(Path(sys.executable).with_name("dbt")), "parse", "--vars", json.dumps({"web_source": "rudderstack"}),
               "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]
    with timed_build("dbt parse web_source rudderstack"):
        result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert ("var web_source is 'rudderstack': it takes one of contract, ga4, segment (RudderStack loads the same "
            "tables as Segment: use web_source: segment) (docs/sources.md#source-systems)") in result.stdout


@pytest.mark.parametrize(("path", "content", "fault"), [
    ("ga4/events_20250301/part-0.json", {"event_date": "20250301", "event_name": "page_view"},
     "missing required column(s): event_timestamp"),
    ("segment/tracks/part-0.csv", "anonymous_id,timestamp,event,event_text\na1,2025-03-01 10:00:00,signed_up,Signed Up\n",
     "missing required column(s): id"),
    ("klaviyo/events/part-0.json", {"id": "k1", "datetime": "2025-03-01T10:00:00Z"},
     "missing required column(s): metric_name"),
])
def test_a_tool_file_missing_a_required_column_stops_the_gate(tmp_path: Path, path: str, content, fault: str) -> None:
    target = tmp_path / path
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(content) + "\n" if isinstance(content, dict) else content)
    result = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "preflight.py"), "--raw-dir", str(tmp_path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"raw file fault: {target}: {fault}"]


@pytest.mark.parametrize(("tool", "email_source", "warnings"), [
    ("ga4", "klaviyo", ["raw_ga4 has_cookie", "raw_ga4 has_transaction_id", "raw_klaviyo_events metric_name"]),
    ("segment", "web", ["raw_segment_order_completed order_id_value"]),
])
def test_the_raw_suites_warn_of_the_rows_a_tool_mapping_quarantines(tmp_path: Path, tool: str, email_source: str,
                                                                     warnings: list[str]) -> None:
    raw = format_store(tmp_path, tool, email_source)
    result = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "validate.py"), "--suite", "raw",
                             "--raw-dir", str(raw), "--docs-dir", str(tmp_path / "docs")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    flagged = sorted(" ".join(line.split()[:3:2]) for line in result.stdout.splitlines()
                     if line.startswith("raw_") and " warning " in line)
    assert flagged == warnings
