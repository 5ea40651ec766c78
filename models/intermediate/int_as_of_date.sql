-- The single date levels are evaluated on: var('as_of_date'), or the latest activity in the data.
{% set as_of_date = var('as_of_date') %}
{% set as_of_expression = "cast('" ~ as_of_date ~ "' as date)" if as_of_date else store_date('latest_activity_at') %}
with

events as (
    select occurred_at from {{ ref('stg_web__events') }}
),

orders as (
    select ordered_at from {{ ref('stg_shop__orders') }}
),

latest_activity as (
    select max(activity_at) as latest_activity_at
    from (
        select occurred_at as activity_at from events
        union all
        select ordered_at as activity_at from orders
    ) as activity
),

final as (
    select
        {{ as_of_expression }} as as_of_date
    from latest_activity
    {% if not as_of_date -%}
        -- no activity at all: no as-of date, and every downstream model is empty rather than null-dated
        where latest_activity_at is not null
    {%- endif %}
)

select * from final
