-- The flow through each stage each month. Grain: month x stage.
-- Stages 2..5: candidates are the people on the stage's from-level at the month start plus those
-- who arrived on it during the month; converted are those who left it upward during the month;
-- days to convert run from arriving on the from-level to leaving it, over those converted.
-- A move that skips levels passes every skipped stage that day (a zero-day spell).
-- Stage 1: candidates are the audience reached by ads that month, converted the new visitors.
with

spells as (
    select * from {{ ref('int_stage_spells') }}
),

months as (
    select * from {{ ref('int_months') }}
),

stages as (
    select * from {{ ref('stages') }}
),

audience_by_month as (
    select * from {{ ref('int_ad_audience_by_month') }}
),

arrivals as (
    select
        stage,
        {{ month_of('arrived_on') }} as month,
        count(*) as arrived
    from spells
    where arrived_on is not null
    group by stage, {{ month_of('arrived_on') }}
),

conversions as (
    select
        stage,
        {{ month_of('converted_on') }} as month,
        count(*) as converted,
        {{ percentile(dbt.datediff('arrived_on', 'converted_on', 'day'), 0.5) }} as median_days_to_convert,
        {{ percentile(dbt.datediff('arrived_on', 'converted_on', 'day'), 0.9) }} as p90_days_to_convert
    from spells
    where converted_on is not null
    group by stage, {{ month_of('converted_on') }}
),

month_stages as (
    select
        months.month,
        months.is_complete,
        stages.stage,
        stages.stage_name
    from months
    cross join stages
),

flows as (
    select
        month_stages.*,
        coalesce(arrivals.arrived, 0) as arrived,
        coalesce(conversions.converted, 0) as converted,
        conversions.median_days_to_convert,
        conversions.p90_days_to_convert,
        coalesce(audience_by_month.audience_reached, 0) as audience_reached
    from month_stages
    left join arrivals
        on
            month_stages.stage = arrivals.stage
            and month_stages.month = arrivals.month
    left join conversions
        on
            month_stages.stage = conversions.stage
            and month_stages.month = conversions.month
    left join audience_by_month
        on month_stages.month = audience_by_month.month
),

flows_with_stock as (
    select
        *,
        coalesce(sum(arrived - converted) over (
            partition by stage order by month rows between unbounded preceding and 1 preceding
        ), 0) as on_level_at_month_start
    from flows
),

funnel as (
    select
        month,
        is_complete,
        stage,
        stage_name,
        case when stage > 1 then on_level_at_month_start end as on_level_at_month_start,
        case when stage > 1 then arrived end as arrived,
        case when stage = 1 then audience_reached else on_level_at_month_start + arrived end as candidates,
        converted,
        median_days_to_convert,
        p90_days_to_convert
    from flows_with_stock
),

final as (
    select
        month,
        is_complete as is_complete_month,
        cast(stage as integer) as stage,
        stage_name,
        cast(on_level_at_month_start as bigint) as on_level_at_month_start,
        cast(arrived as bigint) as arrived,
        cast(candidates as bigint) as candidates,
        cast(converted as bigint) as converted,
        cast(case when candidates > 0 then 1.0 * converted / candidates end as double) as conversion_rate,
        cast(case when stage > 1 then median_days_to_convert end as double) as median_days_to_convert,
        cast(case when stage > 1 then p90_days_to_convert end as double) as p90_days_to_convert
    from funnel
)

select * from final
