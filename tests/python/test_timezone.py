"""Months in the store's own time zone: orders and a sign-up around local midnight at month ends,
west (Los Angeles) and east (Sydney) of UTC, across daylight-saving changes. Worked out by hand:

  order  UTC                Los Angeles              Sydney
  o1     2025-02-01 05:00   01-31 21:00 PST  -> Jan  02-01 16:00 AEDT -> Feb
  o2     2025-03-31 14:30   03-31 07:30 PDT  -> Mar  04-01 01:30 AEDT -> Apr
  o3     2025-04-30 13:30   04-30 06:30 PDT  -> Apr  04-30 23:30 AEST -> Apr (DST ended 04-06;
                                                     with AEDT it would wrongly be May)
  o4     2025-11-01 07:30   11-01 00:30 PDT  -> Nov  11-01 18:30 AEDT -> Nov (LA leaves DST on
                                                     11-02; with PST it would wrongly be Oct)
  sign-up e1 2025-02-28 23:30 UTC: Los Angeles 02-28, Sydney 03-01.
"""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import Build, build_fixture

D = dt.date
ZONES = {
    "UTC": {"o1": D(2025, 2, 1), "o2": D(2025, 3, 1), "o3": D(2025, 4, 1), "o4": D(2025, 11, 1)},
    "America/Los_Angeles": {"o1": D(2025, 1, 1), "o2": D(2025, 3, 1), "o3": D(2025, 4, 1), "o4": D(2025, 11, 1)},
    "Australia/Sydney": {"o1": D(2025, 2, 1), "o2": D(2025, 4, 1), "o3": D(2025, 4, 1), "o4": D(2025, 11, 1)},
}
SIGNUP_DATE = {"UTC": D(2025, 2, 28), "America/Los_Angeles": D(2025, 2, 28), "Australia/Sydney": D(2025, 3, 1)}


@pytest.fixture(scope="module", params=list(ZONES))
def zoned(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Build]:
    return request.param, build_fixture("timezone_store", tmp_path_factory, store_timezone=request.param)


def test_order_months_follow_the_store_clock(zoned: tuple[str, Build]) -> None:
    zone, build = zoned
    months = dict(build.rows("select order_id, order_month from intermediate.int_orders_netted_of_refunds"))
    assert months == ZONES[zone]
    cohorts = dict(build.rows("select cohort_month, cohort_size from marts.mart_cohort_ltv "
                              "where acquisition_channel = 'all' and months_since_first_order = 0"))
    expected: dict[dt.date, int] = {}
    for month in ZONES[zone].values():
        expected[month] = expected.get(month, 0) + 1
    assert cohorts == expected


def test_sign_up_day_and_timestamps_stay_utc(zoned: tuple[str, Build]) -> None:
    zone, build = zoned
    row = build.rows("select valid_from from marts.fct_level_history where person_id like 'email:%'")
    assert row == [(SIGNUP_DATE[zone],)]
    assert build.scalar("select signed_up_at from marts.dim_people where person_id like 'email:%'") == \
        dt.datetime(2025, 2, 28, 23, 30)
