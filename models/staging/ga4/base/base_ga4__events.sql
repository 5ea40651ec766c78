-- Every raw GA4 event row, flattened, with the canonical table it becomes (events, orders, refunds)
-- or why the GA4 mapping itself drops it as a copy (is_tool_duplicate), the reason the mapping
-- rejects it (source_quarantine_reason), and the values its readers take, final: the event type,
-- the utm fields, the amount. Grain: raw row. A table, rebuilt each run: the nested files are
-- parsed once per run, not once per reader (stg_ga4__events / __orders / __refunds, the
-- quarantine, the accounting, the erasure log), and each per-row rule (the event id's hash) runs
-- once. It stores only the columns they read: writing a column of 10M rows costs more than
-- computing most of them. The page path is the exception, taken by stg_ga4__events from the stored
-- page_location (docs/decisions.md). The rows of erased people leave it when the run ends
-- (on-run-end, macros/parsed_raw_rows.sql). The days the daily export holds come from a narrow
-- scan of two columns of the raw files (macro ga4_daily_export_days), not from a self-join on the
-- flattened rows (docs/decisions.md: GA4 raw rows are parsed once per run).
{{ config(enabled=var('web_source') == 'ga4', materialized='table') }}
{#- sign-ups and unsubscribes come from the events only when email_source is web (else from Klaviyo,
    and these events are visits) -#}
{% set email_from_web = var('email_source') == 'web' %}
{% set signup_events = web_event_names('signup') if email_from_web else [] %}
{% set unsubscribe_events = web_event_names('unsubscribe') if email_from_web else [] %}

with

source as (
    select * from {{ source('ga4', 'events') }}
),

days_in_daily_export as (
    -- a day the daily table holds is read from it only: the intraday table is its draft
    {{ ga4_daily_export_days() }}
),

flattened as (
    select
        ga4_rows._source_file,
        ga4_rows._source_row_number,
        {{ ga4_is_intraday_file('ga4_rows._source_file') }} as is_intraday,
        {{ clean_string('ga4_rows.event_date') }} as event_date,
        ga4_rows.event_timestamp,
        {{ clean_string('ga4_rows.event_name') }} as event_name,
        {{ clean_string('ga4_rows.user_pseudo_id') }} as user_pseudo_id,
        {{ clean_string('ga4_rows.user_id') }} as user_id,
        ga4_rows.batch_event_index,
        {{ list_value_for_key('ga4_rows.event_params', 'page_location', 'string_value') }} as page_location,
        {{ list_value_for_key('ga4_rows.event_params', 'page_referrer', 'string_value') }} as page_referrer,
        {{ list_value_for_key('ga4_rows.event_params', 'ga_session_id', 'int_value') }} as ga_session_id,
        {{ list_value_for_key('ga4_rows.event_params', 'source', 'string_value') }} as param_source,
        {{ list_value_for_key('ga4_rows.event_params', 'medium', 'string_value') }} as param_medium,
        {{ list_value_for_key('ga4_rows.event_params', 'campaign', 'string_value') }} as param_campaign,
        {{ list_value_for_key('ga4_rows.event_params', 'currency', 'string_value') }} as currency,
        coalesce(
            {{ list_value_for_key('ga4_rows.event_params', 'value', 'double_value') }},
            {{ list_value_for_key('ga4_rows.event_params', 'value', 'float_value') }},
            {{ list_value_for_key('ga4_rows.event_params', 'value', 'int_value') }}
        ) as param_value,
        -- GA4 writes "(not set)" where the site sent no transaction id
        case
            when {{ clean_string('ga4_rows.ecommerce.transaction_id') }} <> '(not set)'
                then {{ clean_string('ga4_rows.ecommerce.transaction_id') }}
        end as transaction_id,
        -- struct fields (table.column.field): sqlfluff takes the column for a table
        ga4_rows.ecommerce.purchase_revenue,  -- noqa: RF01
        ga4_rows.ecommerce.refund_value,  -- noqa: RF01
        ga4_rows.collected_traffic_source.manual_source,  -- noqa: RF01
        ga4_rows.collected_traffic_source.manual_medium,  -- noqa: RF01
        ga4_rows.collected_traffic_source.manual_campaign_name  -- noqa: RF01
    from source as ga4_rows
),

mapped as (
    select
        flattened.*,
        {{ timestamp_from_epoch_micros('flattened.event_timestamp') }} as occurred_at,
        -- the export has no load time: a daily table is written after its day ends, an intraday row
        -- within minutes of the event (docs/sources.md: GA4 loaded_at)
        case
            when flattened.is_intraday then {{ timestamp_from_epoch_micros('flattened.event_timestamp') }}
            else {{ dbt.safe_cast(dbt.dateadd('day', 1, date_from_yyyymmdd('flattened.event_date')), dbt.type_timestamp()) }}
        end as loaded_at,
        -- GA4 has no event id: the same event exported twice gets the same one
        {{ dbt.concat(["'ga4:'", dbt.hash(dbt.concat([
            "coalesce(flattened.user_pseudo_id, '')", "'|'",
            "coalesce(" ~ dbt.safe_cast('flattened.event_timestamp', dbt.type_string()) ~ ", '')", "'|'",
            "coalesce(flattened.event_name, '')", "'|'",
            "coalesce(" ~ dbt.safe_cast('flattened.ga_session_id', dbt.type_string()) ~ ", '')", "'|'",
            "coalesce(" ~ dbt.safe_cast('flattened.batch_event_index', dbt.type_string()) ~ ", '')", "'|'",
            "coalesce(flattened.page_location, '')"
        ]))]) }} as event_id,
        case
            when flattened.is_intraday and days_in_daily_export.event_date is not null then 'intraday_copy'
            when flattened.event_name = 'purchase' and '{{ var("order_source") }}' = 'web' then 'orders'
            when flattened.event_name = 'refund' and '{{ var("order_source") }}' = 'web' then 'refunds'
            -- orders come from the order source, which has the refund; a purchase was a visit
            when flattened.event_name = 'refund' then 'order_source_copy'
            else 'events'
        end as becomes
    from flattened
    left join days_in_daily_export
        on flattened.event_date = days_in_daily_export.event_date
),

classified as (
    select
        *,
        becomes in ('intraday_copy', 'order_source_copy') as is_tool_duplicate,
        case
            -- consent mode: sent without analytics consent, no cookie to give the event to; a refund
            -- belongs to its transaction id, not to a person, so it is kept without one
            when user_pseudo_id is null and becomes not in ('refunds', 'order_source_copy') then 'ga4_no_cookie'
            when becomes in ('orders', 'refunds') and transaction_id is null then 'missing_transaction_id'
        end as source_quarantine_reason
    from mapped
),

final as (
    -- what the readers take, and nothing else (the flattened parameters that only feed these stay unstored)
    select
        _source_file,
        _source_row_number,
        becomes,
        is_tool_duplicate,
        source_quarantine_reason,
        event_id,
        case
            when event_name in {{ sql_string_list(signup_events) }} then 'email_signup'
            when event_name in {{ sql_string_list(unsubscribe_events) }} then 'email_unsubscribe'
            when event_name = 'add_to_cart' then 'add_to_cart'
            when event_name = 'begin_checkout' then 'checkout_started'
            when event_name = 'login' then 'identify'
            -- page_view, view_item (keeps the product page's path) and any other event: a visit
            else 'page_view'
        end as event_type,
        user_pseudo_id,
        user_id,
        occurred_at,
        loaded_at,
        coalesce(manual_source, param_source) as utm_source,
        coalesce(manual_medium, param_medium) as utm_medium,
        coalesce(manual_campaign_name, param_campaign) as utm_campaign,
        -- stored as sent: its path is cheaper to take from the stored (dictionary-encoded) column
        page_location,
        page_referrer as referrer,
        transaction_id,
        currency,
        -- the ecommerce figure, else the value parameter
        case
            when becomes = 'orders' then coalesce(purchase_revenue, param_value)
            when becomes = 'refunds' then coalesce(refund_value, param_value)
        end as amount
    from classified
)

select * from final
