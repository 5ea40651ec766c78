-- The GA4 intraday tables the daily export supersedes: one row per day (event_date) a daily table
-- in the raw store holds. Read by base_ga4__events (an intraday row of such a day is a copy) and by
-- the pre-hook of incremental staging (macro delete_superseded_drafts), which deletes the stored rows
-- read from such a day's intraday table - present or already deleted by Google - before the daily
-- rows are staged (docs/decisions.md). Read from two columns of the raw files, not from
-- base_ga4__events: the base model then needs no second pass over its own flattened rows
-- (docs/decisions.md: GA4 raw rows are parsed once per reader).
{{ config(enabled=var('web_source') == 'ga4') }}

with

source as (
    select
        _source_file,
        event_date
    from {{ source('ga4', 'events') }}
),

daily_rows as (
    select {{ clean_string('event_date') }} as event_date
    from source
    where not {{ ga4_is_intraday_file('_source_file') }}
),

daily_export_days as (
    select distinct event_date
    from daily_rows
    where event_date is not null
),

final as (
    select
        event_date,
        -- the intraday table's name in a lower-cased file path (docs/sources.md: GA4 file layout)
        {{ dbt.concat(["'%events_intraday_'", 'event_date', "'%'"]) }} as draft_file_pattern
    from daily_export_days
)

select * from final
