-- Paid-media spend per day, channel and campaign up to the as-of date, in the reporting currency,
-- with the audience it reached (reach, or impressions where the platform reports no reach) and the
-- stage the channel works on (seed marketing_channels).
-- A channel missing from the seed is kept, not dropped: a new channel must not stop a refresh. Its
-- spend works on the first stage (every paid ad reaches the world) under the marketing type
-- 'unmapped', and a warn-severity test names the seed rows to add.
with

ad_spend as (
    select * from {{ ref('stg_ads__ad_spend') }}
),

reporting_rates as (
    select * from {{ ref('int_fx_rates_to_reporting') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

marketing_channels as (
    select * from {{ ref('marketing_channels') }}
),

stages as (
    select * from {{ ref('stages') }}
),

world_stage as (
    -- the first stage moves people from level 1 (world), which is what any paid ad reaches
    select min(stage) as stage
    from stages
),

spend_to_as_of as (
    select
        ad_spend.spend_date,
        cast({{ dbt.date_trunc('month', 'ad_spend.spend_date') }} as date) as spend_month,
        ad_spend.channel,
        ad_spend.campaign,
        ad_spend.impressions,
        ad_spend.reach,
        ad_spend.clicks,
        ad_spend.spend,
        ad_spend.currency
    from ad_spend
    cross join as_of
    where ad_spend.spend_date <= as_of.as_of_date
),

spend_with_channel as (
    select
        spend_to_as_of.*,
        marketing_channels.channel is not null as is_mapped_channel,
        coalesce(marketing_channels.stage, world_stage.stage) as marketing_stage,
        -- a label, not a setting: nothing branches on it (is_mapped_channel does), and the seed's
        -- stage 1 types are checked against a closed list, so it cannot collide with a real type
        coalesce(marketing_channels.marketing_type, 'unmapped') as marketing_type
    from spend_to_as_of
    cross join world_stage
    left join marketing_channels
        on spend_to_as_of.channel = marketing_channels.channel
),

final as (
    select
        spend_with_channel.spend_date,
        spend_with_channel.spend_month,
        spend_with_channel.channel,
        spend_with_channel.is_mapped_channel,
        cast(spend_with_channel.marketing_stage as integer) as marketing_stage,
        spend_with_channel.marketing_type,
        spend_with_channel.campaign,
        spend_with_channel.impressions,
        spend_with_channel.reach,
        spend_with_channel.clicks,
        coalesce(spend_with_channel.reach, spend_with_channel.impressions) as audience_reached,
        spend_with_channel.spend,
        spend_with_channel.currency,
        {{ to_reporting_rate('spend_with_channel.currency', 'reporting_rates.rate') }} as fx_rate,
        cast(
            spend_with_channel.spend
            * {{ to_reporting_rate('spend_with_channel.currency', 'reporting_rates.rate') }}
            as decimal(18, 2)
        ) as spend_reporting
    from spend_with_channel
    left join reporting_rates
        on
            spend_with_channel.currency = reporting_rates.currency
            and spend_with_channel.spend_month = reporting_rates.month
)

select * from final
