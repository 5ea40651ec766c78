-- GA4 events in the web-events contract (models/staging/web/_web__sources.yml): one row per raw
-- event the mapping passes on (not an intraday copy, not an order or refund), read by
-- base_web__events through canonical_raw('web', 'events'). Event names -> event types: docs/sources.md.
-- A projection of base_ga4__events, which computes every value once, but the page path: its
-- regular expression runs here, on the stored page_location, where DuckDB runs it once per distinct
-- URL of a dictionary-encoded block instead of once per row (docs/decisions.md).
{{ config(enabled=var('web_source') == 'ga4') }}

with

ga4_events as (
    select * from {{ ref('base_ga4__events') }}
    where becomes = 'events'
),

final as (
    select
        event_id,
        event_type,
        user_pseudo_id as anonymous_id,
        user_id as customer_id,
        -- GA4 forbids personal data in the export: no e-mail
        cast(null as {{ dbt.type_string() }}) as email,
        occurred_at,
        loaded_at,
        utm_source,
        utm_medium,
        utm_campaign,
        {{ url_path('page_location') }} as page_path,
        referrer,
        _source_file,
        _source_row_number,
        source_quarantine_reason
    from ga4_events
)

select * from final
