-- Arrival cohorts per stage: people who arrived on the stage's from-level in a month, and the
-- share of them who passed the stage within each of var('conversion_windows_days') days.
-- A window that has not fully elapsed for the whole cohort by the as-of date gives null, never a
-- falsely low rate. Grain: arrival month x stage (2..5). The contract orders the columns.
{% set windows = var('conversion_windows_days') %}
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

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

arrivals as (
    select
        stage,
        {{ month_of('arrived_on') }} as month,
        {%- for days in windows %}
            sum(
                case
                    when
                        converted_on is not null
                        and {{ dbt.datediff('arrived_on', 'converted_on', 'day') }} <= {{ days }}
                        then 1
                    else 0
                end
            ) as passed_within_{{ days }}_days,
        {%- endfor %}
        count(*) as arrived
    from spells
    where arrived_on is not null
    group by stage, {{ month_of('arrived_on') }}
),

month_stages as (
    select
        months.month,
        cast({{ dbt.last_day('months.month', 'month') }} as date) as calendar_month_end,
        stages.stage,
        stages.stage_name
    from months
    cross join stages
    where stages.stage > 1
),

final as (
    select
        month_stages.month,
        cast(month_stages.stage as integer) as stage,
        month_stages.stage_name,
        {%- for days in windows %}
            cast(
                case
                    when {{ dbt.dateadd('day', days, 'month_stages.calendar_month_end') }} <= as_of.as_of_date
                        then coalesce(arrivals.passed_within_{{ days }}_days, 0)
                end as bigint
            ) as passed_within_{{ days }}_days,
            cast(
                case
                    when
                        {{ dbt.dateadd('day', days, 'month_stages.calendar_month_end') }} <= as_of.as_of_date
                        and arrivals.arrived > 0
                        then 1.0 * arrivals.passed_within_{{ days }}_days / arrivals.arrived
                end as double
            ) as conversion_rate_within_{{ days }}_days,
        {%- endfor %}
        cast(coalesce(arrivals.arrived, 0) as bigint) as arrived
    from month_stages
    cross join as_of
    left join arrivals
        on
            month_stages.stage = arrivals.stage
            and month_stages.month = arrivals.month
)

select * from final
