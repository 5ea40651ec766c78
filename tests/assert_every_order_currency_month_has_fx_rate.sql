-- Names each currency and month with orders but no rate into the reporting currency in fx_rates.
-- Fix: add the rows to seeds/fx_rates.csv (or set var reporting_currency to one the seed covers).
{{ config(store_failures=true) }}

with

orders as (
    select * from {{ ref('int_orders_netted_of_refunds') }}
),

final as (
    select
        currency,
        order_month as month,
        '{{ var("reporting_currency") }}' as reporting_currency,
        count(*) as orders_without_rate
    from orders
    where fx_rate is null
    group by currency, order_month
)

select * from final
