-- Paid-media spend per day, channel and campaign up to the as-of date, in the reporting currency,
-- with the audience it reached (reach, or impressions where the platform reports no reach).
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

final as (
    select
        spend_to_as_of.spend_date,
        spend_to_as_of.spend_month,
        spend_to_as_of.channel,
        spend_to_as_of.campaign,
        spend_to_as_of.impressions,
        spend_to_as_of.reach,
        spend_to_as_of.clicks,
        coalesce(spend_to_as_of.reach, spend_to_as_of.impressions) as audience_reached,
        spend_to_as_of.spend,
        spend_to_as_of.currency,
        {{ to_reporting_rate('spend_to_as_of.currency', 'reporting_rates.rate') }} as fx_rate,
        cast(
            spend_to_as_of.spend * {{ to_reporting_rate('spend_to_as_of.currency', 'reporting_rates.rate') }}
            as decimal(18, 2)
        ) as spend_reporting
    from spend_to_as_of
    left join reporting_rates
        on
            spend_to_as_of.currency = reporting_rates.currency
            and spend_to_as_of.spend_month = reporting_rates.month
)

select * from final
