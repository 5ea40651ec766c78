-- The fx_rates seed rows that convert into the reporting currency. Grain: month x currency.
with

fx_rates as (
    select * from {{ ref('fx_rates') }}
),

final as (
    select
        month,
        currency,
        rate
    from fx_rates
    where reporting_currency = '{{ var("reporting_currency") }}'
)

select * from final
