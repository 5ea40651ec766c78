-- Paid-media spend, one row per day, channel and campaign (the first delivery kept).
with

source as (
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
        _source_file,
        _source_row_number
    from {{ source('ads', 'ad_spend') }}
),

renamed as (
    select
        cast(spend_date as date) as spend_date,
        lower({{ clean_string('channel') }}) as channel,
        {{ clean_string('campaign') }} as campaign,
        cast(impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(reach as {{ dbt.type_bigint() }}) as reach,
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        cast(spend as decimal(18, 2)) as spend,
        upper({{ clean_string('currency') }}) as currency,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        _source_file as source_file,
        _source_row_number as source_row_number
    from source
),

ranked as (
    select
        *,
        {{ delivery_rank(['spend_date', 'channel', "coalesce(campaign, '')"]) }} as delivery_rank
    from renamed
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
    from ranked
    where delivery_rank = 1
)

select * from final
