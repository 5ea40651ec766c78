"""The marts the project publishes, with their grain: one list for refresh, GX and the tests.

Adding a mart to models/marts/ that readers should get means adding it here (refresh.py exports
and serves exactly these; gx/suites.py checks each key is unique).
"""

from __future__ import annotations

MART_KEYS: dict[str, tuple[str, ...]] = {
    "dim_people": ("person_id",),
    "fct_orders": ("order_id",),
    "fct_level_history": ("person_id", "valid_from"),
    "fct_customer_predictions": ("person_id",),
    "mart_level_distribution": ("month", "level_number"),
    "mart_lifecycle": ("month", "level_number", "lifecycle_status"),
    "mart_stage_funnel": ("month", "stage"),
    "mart_stage_conversion_cohorts": ("month", "stage"),
    "mart_stage_focus": ("month", "stage"),
    "mart_stage_opportunity": ("month", "stage"),
    "mart_method_impact": ("marketing_method", "method_window"),
    "mart_cohort_ltv": ("cohort_month", "acquisition_channel", "months_since_first_order"),
    "mart_cohort_ltv_forecast": ("cohort_month",),
    "mart_clv_validation": ("calibration_frequency",),
    "fct_audience_membership": ("person_id", "audience"),
    "mart_audience_sizes": ("audience", "month"),
}

PUBLISHED_MARTS: tuple[str, ...] = tuple(MART_KEYS)

# Built only with var clv_predictions_enabled (dbt Python models): absent on engines without them.
OPTIONAL_MARTS: frozenset[str] = frozenset(
    {"fct_customer_predictions", "mart_cohort_ltv_forecast", "mart_clv_validation"})


def marts_to_publish(connection) -> tuple[str, ...]:
    """The published marts a built DuckDB file should hold: all, less optional ones it does not have.

    A missing required mart is left in, so reading it fails loudly."""
    built = {row[0] for row in connection.execute(
        "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
    return tuple(mart for mart in PUBLISHED_MARTS if mart in built or mart not in OPTIONAL_MARTS)
