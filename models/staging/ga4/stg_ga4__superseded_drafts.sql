-- The GA4 intraday tables the daily export supersedes: one row per day (event_date) a daily table
-- in the raw store holds. Read by the pre-hook of incremental staging (macro
-- delete_superseded_drafts), which deletes the stored rows read from such a day's intraday table -
-- present or already deleted by Google - before the daily rows are staged (docs/decisions.md). The
-- days are read from two columns of the raw files (macro ga4_daily_export_days, which
-- base_ga4__events reads too), not from base_ga4__events.
{{ config(enabled=var('web_source') == 'ga4') }}

with

daily_export_days as (
    {{ ga4_daily_export_days() }}
),

final as (
    select
        event_date,
        -- the intraday table's name in a lower-cased file path (docs/sources.md: GA4 file layout)
        {{ dbt.concat(["'%events_intraday_'", 'event_date', "'%'"]) }} as draft_file_pattern
    from daily_export_days
)

select * from final
