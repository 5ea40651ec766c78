-- Every raw ad-spend row, typed and cleaned, with the reason it is quarantined (null = good) and
-- its delivery rank among the good deliveries of its day, channel and campaign. Grain: raw row.
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

currencies as (
    select * from {{ ref('currencies') }}
),

typed as (
    select
        {{ dbt.safe_cast('spend_date', 'date') }} as spend_date,
        lower({{ clean_string('channel') }}) as channel,
        {{ clean_string('campaign') }} as campaign,
        {{ dbt.safe_cast('impressions', dbt.type_bigint()) }} as impressions,
        {{ dbt.safe_cast('reach', dbt.type_bigint()) }} as reach,
        {{ dbt.safe_cast('clicks', dbt.type_bigint()) }} as clicks,
        {{ dbt.safe_cast('spend', 'decimal(18, 2)') }} as spend,
        upper({{ clean_string('currency') }}) as currency,
        {{ dbt.safe_cast('loaded_at', dbt.type_timestamp()) }} as loaded_at,
        _source_file as source_file,
        _source_row_number as source_row_number
    from source
),

checked as (
    select
        typed.*,
        case
            when typed.spend_date is null or typed.channel is null then 'missing_key'
            when typed.loaded_at is null then 'bad_timestamp'
            when typed.spend is null or typed.impressions is null or typed.clicks is null then 'bad_amount'
            when typed.spend < 0 or typed.impressions < 0 or typed.clicks < 0 or typed.reach < 0
                then 'negative_amount'
            when currencies.currency is null then 'unknown_currency'
        end as quarantine_reason,
        -- ad spend holds no personal data
        false as is_erased
    from typed
    left join currencies
        on typed.currency = currencies.currency
),

final as (
    select
        *,
        {{ delivery_rank(['spend_date', 'channel', "coalesce(campaign, '')", 'quarantine_reason is null']) }}
            as delivery_rank
    from checked
)

select * from final
