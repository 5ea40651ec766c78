-- Names each method of seeds/marketing_methods.csv that ends before it starts. mart_method_impact
-- sizes both its windows by the days from started_on to ended_on: a negative length would turn the
-- before window inside out and count people who stood on the level on no day of it.
with

methods as (
    select * from {{ ref('marketing_methods') }}
),

final as (
    select
        stage,
        method,
        started_on,
        ended_on
    from methods
    where ended_on < started_on
)

select * from final
