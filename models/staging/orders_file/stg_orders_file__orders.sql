-- Orders of the orders file in the shop contract's raw shape (macros/source_systems.sql): one row
-- per order and file, from its first row; the amount is the order's total, or the sum of
-- quantity x unit_price over its lines. Statuses map through seed order_statuses.
{{ config(enabled=var('order_source') == 'orders_file') }}

with

lines as (
    select * from {{ ref('stg_orders_file__lines') }}
),

statuses as (
    select * from {{ ref('order_statuses') }}
    where source_system = 'orders_file'
),

final as (
    select
        lines.order_id,
        lines.customer_key as customer_id,
        lines.email,
        lines.ordered_at,
        lines.currency,
        lines.order_amount as amount,
        coalesce(statuses.status, lines.source_status) as status,
        lines.loaded_at,
        lines._source_file,
        lines._source_row_number,
        statuses.quarantine_reason as source_quarantine_reason
    from lines
    left join statuses
        on lines.source_status = statuses.source_status
    where lines.row_part = 'order'
)

select * from final
