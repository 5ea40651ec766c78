-- GA4 purchase events as orders (var order_source: web), in the orders contract
-- (models/staging/shop/_shop__sources.yml). The buyer is the event's user_id, else the cookie
-- (docs/sources.md: guest checkouts). The same transaction sent twice is one order: staging keeps
-- the first delivery of each order_id.
{{ config(enabled=var('web_source') == 'ga4') }}

with

purchases as (
    select * from {{ ref('base_ga4__events') }}
    where becomes = 'orders'
),

final as (
    select
        transaction_id as order_id,
        coalesce(user_id, user_pseudo_id) as customer_id,
        cast(null as {{ dbt.type_string() }}) as email,
        occurred_at as ordered_at,
        currency,
        amount,
        'completed' as status,
        loaded_at,
        _source_file,
        _source_row_number,
        source_quarantine_reason
    from purchases
)

select * from final
