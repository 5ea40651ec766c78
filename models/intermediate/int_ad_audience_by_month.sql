-- The audience paid media reached each month: level 1 (world) and the stage 1 candidates.
-- Grain: month (only months with ad spend rows).
with

ad_spend as (
    select * from {{ ref('int_ad_spend_converted') }}
),

final as (
    select
        spend_month as month,
        sum(audience_reached) as audience_reached
    from ad_spend
    group by spend_month
)

select * from final
