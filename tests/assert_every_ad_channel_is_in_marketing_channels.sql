-- Names each ad_spend channel that seeds/marketing_channels.csv does not list, with the row to add.
-- A warning, not a failure: a channel marketing has just started must not stop a refresh. Until
-- the row is added its spend and reach count on stage 1 (marketing_type 'unmapped'), which every
-- paid ad reaches; mart_stage_focus.unmapped_channels tells readers of the served marts the same.
{{ config(severity='warn', store_failures=true) }}

with

ad_spend as (
    select * from {{ ref('int_ad_spend_converted') }}
),

unmapped_spend as (
    select * from ad_spend
    where not is_mapped_channel
),

final as (
    select
        channel,
        min(spend_date) as first_spend_date,
        max(spend_date) as last_spend_date,
        count(*) as spend_rows,
        cast(sum(spend_reporting) as decimal(18, 2)) as spend_reporting,
        -- the seed's columns: channel,stage,marketing_type; pick the type that says how it reaches people
        {{ dbt.concat([
            'channel',
            "','",
            'cast(min(marketing_stage) as ' ~ dbt.type_string() ~ ')',
            "',<" ~ stage_one_marketing_types() | join('|') ~ ">'",
        ]) }} as seed_row_to_add
    from unmapped_spend
    group by channel
)

select * from final
