-- Orders of Shopify's export in the raw shape of shop.orders (macros/source_systems.sql): one row
-- per order and file, from its first row. The export has no customer id: the keyed hash of the
-- e-mail is the customer (a blank e-mail is missing_key). Total is what the customer paid.
-- Cancelled at set = cancelled; else Financial Status maps through seed order_statuses. Exports
-- taken at different times can hold the same order in different states: every export of an order
-- takes the state of its latest export (latest loaded_at, then file path; docs/decisions.md: a
-- restated order takes its latest state).
{{ config(enabled=var('order_source') == 'shopify_csv') }}
{% set latest_export = ['loaded_at', '_source_file', '_source_row_number'] %}

with

lines as (
    select * from {{ ref('stg_shopify_csv__lines') }}
),

statuses as (
    select * from {{ ref('order_statuses') }}
    where source_system = 'shopify'
),

first_rows as (
    select * from lines
    where not is_merged_row
),

restated as (
    -- every export of an order in the state of its latest export
    select
        order_id,
        email,
        created_at,
        currency,
        total,
        {{ latest_delivery_value('financial_status', 'order_id', latest_export) }} as financial_status,
        {{ latest_delivery_value('is_cancelled', 'order_id', latest_export) }} as is_cancelled,
        loaded_at,
        _source_file,
        _source_row_number
    from first_rows
),

final as (
    select
        restated.order_id,
        {{ hash_email('restated.email') }} as customer_id,
        restated.email,
        restated.created_at as ordered_at,
        restated.currency,
        restated.total as amount,
        case
            when restated.is_cancelled then 'cancelled'
            else coalesce(statuses.status, restated.financial_status)
        end as status,
        restated.loaded_at,
        restated._source_file,
        restated._source_row_number,
        case when not restated.is_cancelled then statuses.quarantine_reason end as source_quarantine_reason
    from restated
    left join statuses
        on restated.financial_status = statuses.source_status
)

select * from final
