-- Where to work first: each stage's conversion against its target, the weakest stage of the
-- month, and the marketing methods and paid channels active on each stage (a stage with none is
-- a gap). Channels missing from seed marketing_channels count on stage 1 (int_ad_spend_converted)
-- and are named in unmapped_channels, so readers of the served marts know which seed rows to add.
-- Grain: month x stage.
with

funnel as (
    select * from {{ ref('mart_stage_funnel') }}
),

months as (
    select * from {{ ref('int_months') }}
),

stage_targets as (
    select * from {{ ref('stage_targets') }}
),

marketing_methods as (
    select * from {{ ref('marketing_methods') }}
),

ad_spend as (
    select * from {{ ref('int_ad_spend_converted') }}
),

methods_active as (
    -- a method counts in a month when it ran on any day of it
    select
        months.month,
        marketing_methods.stage,
        count(*) as marketing_method_count,
        {{ sorted_list('marketing_methods.method', ', ') }}
            as marketing_methods
    from months
    inner join marketing_methods
        on
            months.month_end_date >= marketing_methods.started_on
            and (marketing_methods.ended_on is null or months.month <= marketing_methods.ended_on)
    group by months.month, marketing_methods.stage
),

channel_spend as (
    select
        spend_month as month,
        marketing_stage as stage,
        channel,
        is_mapped_channel,
        sum(spend_reporting) as spend
    from ad_spend
    group by spend_month, marketing_stage, channel, is_mapped_channel
),

channels_active as (
    -- a channel counts in a month when it spent in it
    select
        month,
        stage,
        count(*) as paid_channel_count,
        {{ sorted_list('channel', ', ') }} as paid_channels,
        sum(spend) as paid_spend
    from channel_spend
    where spend > 0
    group by month, stage
),

channels_unmapped as (
    -- every unmapped channel with spend rows, spent or not: its reach counts and the seed lacks it
    select
        month,
        stage,
        {{ sorted_list('channel', ', ') }} as unmapped_channels
    from channel_spend
    where not is_mapped_channel
    group by month, stage
),

scored as (
    select
        funnel.month,
        funnel.is_complete_month,
        funnel.stage,
        funnel.stage_name,
        funnel.candidates,
        funnel.converted,
        funnel.conversion_rate,
        stage_targets.target_conversion_rate,
        case
            when stage_targets.target_conversion_rate > 0
                then funnel.conversion_rate / stage_targets.target_conversion_rate
        end as performance_index
    from funnel
    left join stage_targets
        on funnel.stage = stage_targets.stage
),

ranked as (
    select
        *,
        case
            when performance_index is not null
                then row_number() over (
                        -- stages without an index sort last; ties go to the earlier stage (fix the top first).
                        -- Ratios equal in exact arithmetic can differ in their last bit between engines
                        -- (2.083333333333333 and ...35): ranked on 9 decimals, ties are ties everywhere.
                        partition by month
                        order by
                            case when performance_index is null then 1 else 0 end,
                            round(performance_index, 9),
                            stage
                    )
        end as performance_rank
    from scored
),

final as (
    select
        ranked.month,
        ranked.is_complete_month,
        cast(ranked.stage as integer) as stage,
        ranked.stage_name,
        cast(ranked.candidates as bigint) as candidates,
        cast(ranked.converted as bigint) as converted,
        cast(ranked.conversion_rate as double) as conversion_rate,
        cast(ranked.target_conversion_rate as double) as target_conversion_rate,
        cast(ranked.performance_index as double) as performance_index,
        cast(ranked.performance_rank as integer) as performance_rank,
        coalesce(ranked.performance_rank = 1, false) as is_weakest,
        cast(coalesce(methods_active.marketing_method_count, 0) as integer) as marketing_method_count,
        methods_active.marketing_methods,
        cast(coalesce(channels_active.paid_channel_count, 0) as integer) as paid_channel_count,
        channels_active.paid_channels,
        cast(coalesce(channels_active.paid_spend, 0) as decimal(18, 2)) as paid_spend,
        (methods_active.stage is null and channels_active.stage is null) as has_no_marketing,
        channels_unmapped.unmapped_channels
    from ranked
    left join methods_active
        on
            ranked.month = methods_active.month
            and ranked.stage = methods_active.stage
    left join channels_active
        on
            ranked.month = channels_active.month
            and ranked.stage = channels_active.stage
    left join channels_unmapped
        on
            ranked.month = channels_unmapped.month
            and ranked.stage = channels_unmapped.stage
)

select * from final
