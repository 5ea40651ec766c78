-- Paid-media spend, one row per day, channel and campaign: the first good delivery (a re-delivered
-- day does not double the spend).
with

checked_spend as (
    select * from {{ ref('base_ads__ad_spend') }}
),

final as (
    select
        spend_date,
        channel,
        campaign,
        impressions,
        reach,
        clicks,
        spend,
        currency,
        loaded_at,
        source_file
    from checked_spend
    where quarantine_reason is null and delivery_rank = 1 and not is_erased
)

select * from final
