-- Names each currency and month with orders or ad spend but no rate into the reporting currency,
-- and the seeds/fx_rates.csv row to add (month,currency,reporting_currency,rate: fill in the rate),
-- or set var reporting_currency to one the seed covers. A failure: without the rate every money
-- number of that month would be wrong.
{{ config(store_failures=true) }}

with

orders as (
    select * from {{ ref('int_orders_netted_of_refunds') }}
),

ad_spend as (
    select * from {{ ref('int_ad_spend_converted') }}
),

missing_rates as (
    select
        'orders' as found_in,
        currency,
        order_month as month
    from orders
    where fx_rate is null
    union all
    select
        'ad_spend' as found_in,
        currency,
        spend_month as month
    from ad_spend
    where fx_rate is null
),

final as (
    select
        currency,
        month,
        '{{ var("reporting_currency") }}' as reporting_currency,
        found_in,
        count(*) as rows_without_rate,
        {{ dbt.concat([
            'cast(month as ' ~ dbt.type_string() ~ ')',
            "','",
            'currency',
            "'," ~ var('reporting_currency') ~ ",<rate>'",
        ]) }} as seed_row_to_add
    from missing_rates
    group by currency, month, found_in
)

select * from final
