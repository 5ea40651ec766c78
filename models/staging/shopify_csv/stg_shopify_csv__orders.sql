-- Orders of Shopify's export in the raw shape of shop.orders (macros/source_systems.sql): one row
-- per order and file, from its first row. The export has no customer id: the keyed hash of the
-- e-mail is the customer (a blank e-mail is missing_key). Total is what the customer paid.
-- Cancelled at set = cancelled; else Financial Status maps through seed order_statuses.
{{ config(enabled=var('order_source') == 'shopify_csv') }}

with

lines as (
    select * from {{ ref('stg_shopify_csv__lines') }}
),

statuses as (
    select * from {{ ref('order_statuses') }}
    where source_system = 'shopify'
),

final as (
    select
        lines.order_id,
        {{ hash_email('lines.email') }} as customer_id,
        lines.email,
        lines.created_at as ordered_at,
        lines.currency,
        lines.total as amount,
        case
            when lines.is_cancelled then 'cancelled'
            else coalesce(statuses.status, lines.financial_status)
        end as status,
        lines.loaded_at,
        lines._source_file,
        lines._source_row_number,
        case when not lines.is_cancelled then statuses.quarantine_reason end as source_quarantine_reason
    from lines
    left join statuses
        on lines.financial_status = statuses.source_status
    where not lines.is_merged_row
)

select * from final
