-- Every raw row rejected by staging, with the file and row it came from and why.
-- Grain: rejected raw row. Holds keys only, never an e-mail address, and nothing of erased people.
with

events as (
    select * from {{ ref('base_web__events') }}
),

orders as (
    select * from {{ ref('base_shop__orders') }}
),

refunds as (
    select * from {{ ref('base_shop__refunds') }}
),

ad_spend as (
    select * from {{ ref('base_ads__ad_spend') }}
),

rejected as (
    select
        'events' as source_name,
        event_id as record_key,
        source_file,
        source_row_number,
        loaded_at,
        quarantine_reason
    from events
    where quarantine_reason is not null and not is_erased
    union all
    select
        'orders' as source_name,
        order_id as record_key,
        source_file,
        source_row_number,
        loaded_at,
        quarantine_reason
    from orders
    where quarantine_reason is not null and not is_erased
    union all
    select
        'refunds' as source_name,
        refund_id as record_key,
        source_file,
        source_row_number,
        loaded_at,
        quarantine_reason
    from refunds
    where quarantine_reason is not null and not is_erased
    union all
    select
        'ad_spend' as source_name,
        {{ dbt.concat([
            dbt.safe_cast('spend_date', dbt.type_string()), "'|'", "coalesce(channel, '')", "'|'",
            "coalesce(campaign, '')"
        ]) }} as record_key,
        source_file,
        source_row_number,
        loaded_at,
        quarantine_reason
    from ad_spend
    where quarantine_reason is not null and not is_erased
),

final as (
    select * from rejected
)

select * from final
