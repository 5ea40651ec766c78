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
    "mart_stage_funnel": ("month", "stage"),
    "mart_stage_conversion_cohorts": ("month", "stage"),
    "mart_stage_focus": ("month", "stage"),
    "mart_cohort_ltv": ("cohort_month", "acquisition_channel", "months_since_first_order"),
    "mart_cohort_ltv_forecast": ("cohort_month",),
    "fct_audience_membership": ("person_id", "audience"),
    "mart_audience_sizes": ("audience", "month"),
}

PUBLISHED_MARTS: tuple[str, ...] = tuple(MART_KEYS)
