-- Every raw row is kept in staging, quarantined, a later delivery of a kept key (or a copy a tool
-- mapping drops), erased, or merged into another kept row.
-- Rows unaccounted for after an incremental run were loaded before the lookback window
-- (var late_arrival_lookback_days) when their file landed: rebuild with --full-refresh.
{{ config(store_failures=true) }}

with

accounting as (
    select * from {{ ref('raw_row_accounting') }}
),

final as (
    select
        source_system,
        source_name,
        rows_read,
        rows_kept,
        rows_quarantined,
        duplicates_dropped,
        rows_erased,
        rows_merged,
        rows_read - (rows_kept + rows_quarantined + duplicates_dropped + rows_erased + rows_merged) as rows_unaccounted,
        'loaded before the incremental lookback window, or lost: rebuild with --full-refresh' as hint
    from accounting
    where not is_balanced
)

select * from final
