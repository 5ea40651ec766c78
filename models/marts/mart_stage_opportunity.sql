-- Which stage is worth most, in money: each stage's shortfall against its target (conversions at
-- target minus actual) times what one more conversion is worth (int_stage_conversion_values),
-- with a Wilson interval on the conversion rate carried into the gap and the value, and the stage
-- with the biggest opportunity beside the weakest one (mart_stage_focus). Grain: month x stage.
{%- set z = var('opportunity_interval_z') %}
with

focus as (
    select * from {{ ref('mart_stage_focus') }}
),

conversion_values as (
    select * from {{ ref('int_stage_conversion_values') }}
),

wilson as (
    -- Wilson score interval for converted / candidates (z = var opportunity_interval_z)
    select
        focus.*,
        {{ wilson_bound('focus.converted', 'focus.candidates', z, 'lower') }} as rate_low,
        {{ wilson_bound('focus.converted', 'focus.candidates', z, 'upper') }} as rate_high
    from focus
),

gaps as (
    select
        wilson.month,
        wilson.is_complete_month,
        wilson.stage,
        wilson.stage_name,
        wilson.candidates,
        wilson.converted,
        wilson.conversion_rate,
        wilson.rate_low as conversion_rate_low,
        wilson.rate_high as conversion_rate_high,
        wilson.target_conversion_rate,
        wilson.candidates * wilson.target_conversion_rate as conversions_at_target,
        wilson.candidates * wilson.target_conversion_rate - wilson.converted as conversion_gap,
        -- a higher true rate means a smaller gap: the gap's interval runs from the rate's upper bound
        wilson.candidates * (wilson.target_conversion_rate - wilson.rate_high)
            as conversion_gap_low,
        wilson.candidates * (wilson.target_conversion_rate - wilson.rate_low)
            as conversion_gap_high,
        wilson.is_weakest,
        conversion_values.value_per_conversion,
        conversion_values.passers_valued,
        conversion_values.stayers_valued
    from wilson
    left join conversion_values
        on wilson.stage = conversion_values.stage
),

valued as (
    select
        *,
        conversion_gap * value_per_conversion as opportunity_value,
        -- a negative value per conversion (stayers out-earn passers) flips the gap's bounds
        least(conversion_gap_low * value_per_conversion, conversion_gap_high * value_per_conversion)
            as opportunity_value_low,
        greatest(conversion_gap_low * value_per_conversion, conversion_gap_high * value_per_conversion)
            as opportunity_value_high,
        -- the target lies inside the interval of the rate: the gap could be zero
        target_conversion_rate between conversion_rate_low and conversion_rate_high as is_gap_uncertain,
        -- only a stage short of its target, where one more conversion earns money, is an
        -- opportunity: a stage ahead of target with a negative value also has a positive product
        coalesce(conversion_gap > 0 and value_per_conversion > 0, false) as is_opportunity
    from gaps
),

ranked as (
    select
        *,
        case
            when is_opportunity
                then row_number() over (
                        -- stages that are no opportunity sort last; ties go to the earlier stage.
                        -- Rounded to cents so values equal in exact arithmetic tie on every engine.
                        partition by month
                        order by
                            case when is_opportunity then 0 else 1 end,
                            round(opportunity_value, 2) desc,
                            stage
                    )
        end as opportunity_rank
    from valued
),

final as (
    select
        month,
        is_complete_month,
        cast(stage as integer) as stage,
        stage_name,
        cast(candidates as bigint) as candidates,
        cast(converted as bigint) as converted,
        cast(conversion_rate as double) as conversion_rate,
        cast(conversion_rate_low as double) as conversion_rate_low,
        cast(conversion_rate_high as double) as conversion_rate_high,
        cast(target_conversion_rate as double) as target_conversion_rate,
        cast(conversions_at_target as double) as conversions_at_target,
        cast(conversion_gap as double) as conversion_gap,
        cast(conversion_gap_low as double) as conversion_gap_low,
        cast(conversion_gap_high as double) as conversion_gap_high,
        cast(is_gap_uncertain as boolean) as is_gap_uncertain,
        cast(value_per_conversion as decimal(18, 2)) as value_per_conversion,
        cast(passers_valued as bigint) as passers_valued,
        cast(stayers_valued as bigint) as stayers_valued,
        cast(opportunity_value as decimal(18, 2)) as opportunity_value,
        cast(opportunity_value_low as decimal(18, 2)) as opportunity_value_low,
        cast(opportunity_value_high as decimal(18, 2)) as opportunity_value_high,
        cast(opportunity_rank as integer) as opportunity_rank,
        coalesce(opportunity_rank = 1, false) as is_biggest_opportunity,
        cast(is_weakest as boolean) as is_weakest,
        cast({{ z }} as double) as interval_z
    from ranked
)

select * from final
