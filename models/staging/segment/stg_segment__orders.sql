-- Segment Order Completed calls as orders (var order_source: web), in the orders contract
-- (models/staging/shop/_shop__sources.yml). The buyer is the call's user_id, else the cookie
-- (docs/sources.md: guest checkouts); the same order_id sent twice is one order (staging keeps the first).
{{ config(enabled=var('web_source') == 'segment') }}

with

completed_orders as (
    select * from {{ ref('base_segment__events') }}
    where becomes = 'orders'
),

final as (
    select
        order_id,
        coalesce(user_id, anonymous_id) as customer_id,
        email,
        occurred_at as ordered_at,
        currency,
        amount,
        'completed' as status,
        loaded_at,
        _source_file,
        _source_row_number,
        source_quarantine_reason
    from completed_orders
)

select * from final
