-- Did a marketing method work? For each method in seed marketing_methods, its stage's conversion
-- in equal windows before and after it started (var method_impact_window_weeks, both cut to the
-- after window's length when the method's end or the as-of date cuts that short), the difference
-- with Newcombe's score interval, and a difference in differences against the stages it does not
-- serve (methods not started by the as-of date are left out). Before/after evidence, not proof:
-- seasonality and overlapping methods (named) can move the same numbers. Grain: marketing method
-- x window (before / after).
{%- set z = var('opportunity_interval_z') %}
{%- set nominal_window_days = var('method_impact_window_weeks') * 7 %}
with

methods as (
    select * from {{ ref('marketing_methods') }}
),

spells as (
    select * from {{ ref('int_stage_spells') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

started_methods as (
    -- a method that starts after the as-of date has nothing to show yet
    select
        methods.method,
        methods.stage,
        methods.started_on,
        methods.ended_on,
        as_of.as_of_date
    from methods
    cross join as_of
    where methods.started_on is not null and methods.started_on <= as_of.as_of_date
),

after_ends as (
    -- the after window runs the nominal length from the start, cut at the method's end and at the as-of date
    select
        method,
        stage,
        started_on,
        ended_on,
        least(
            cast({{ dbt.dateadd('day', nominal_window_days, 'started_on') }} as date),
            cast({{ dbt.dateadd('day', 1, 'coalesce(ended_on, as_of_date)') }} as date),
            cast({{ dbt.dateadd('day', 1, 'as_of_date') }} as date)
        ) as after_end
    from started_methods
),

window_lengths as (
    select
        *,
        {{ dbt.datediff('started_on', 'after_end', 'day') }} as window_days
    from after_ends
),

windows as (
    -- Conversion counts passing within the window, so a shorter window gives a lower rate: the
    -- before window is cut to the after window's length, never compared at full length with it.
    select
        method,
        stage,
        started_on,
        ended_on,
        'before' as method_window,
        cast({{ dbt.dateadd('day', '-window_days', 'started_on') }} as date) as window_start,
        started_on as window_end,
        window_days,
        window_days = {{ nominal_window_days }} as is_full_window
    from window_lengths
    union all
    select
        method,
        stage,
        started_on,
        ended_on,
        'after' as method_window,
        started_on as window_start,
        after_end as window_end,
        window_days,
        window_days = {{ nominal_window_days }} as is_full_window
    from window_lengths
),

spells_in_windows as (
    -- a candidate stood on the from-level some day in [window_start, window_end); a conversion
    -- passed the stage in it. Stage 1 has no individuals before they pass: it is left out.
    select
        windows.method,
        windows.method_window,
        spells.stage = windows.stage as is_method_stage,
        count(*) as candidates,
        sum(
            case
                when spells.converted_on >= windows.window_start and spells.converted_on < windows.window_end
                    then 1
                else 0
            end
        ) as conversions
    from windows
    inner join spells
        on
            windows.window_end > spells.arrived_on
            and (spells.converted_on is null or windows.window_start <= spells.converted_on)
    where spells.stage > 1
    group by windows.method, windows.method_window, spells.stage = windows.stage
),

overlapping_pairs as (
    -- other methods running on any day of either window, on any stage
    select distinct
        windows.method,
        other_methods.method as other_method
    from windows
    inner join methods as other_methods
        on
            windows.method <> other_methods.method
            and windows.window_end > other_methods.started_on
            and (other_methods.ended_on is null or windows.window_start <= other_methods.ended_on)
),

method_overlaps as (
    select
        method,
        {{ sorted_list('other_method', ', ') }} as overlapping_methods
    from overlapping_pairs
    group by method
),

counted as (
    select
        windows.method,
        windows.stage,
        windows.started_on,
        windows.ended_on,
        windows.method_window,
        windows.window_start,
        windows.window_end,
        windows.window_days,
        windows.is_full_window,
        coalesce(served.candidates, 0) as candidates,
        coalesce(served.conversions, 0) as conversions,
        coalesce(control.candidates, 0) as control_candidates,
        coalesce(control.conversions, 0) as control_conversions
    from windows
    left join spells_in_windows as served
        on
            windows.method = served.method
            and windows.method_window = served.method_window
            and served.is_method_stage
    left join spells_in_windows as control
        on
            windows.method = control.method
            and windows.method_window = control.method_window
            and not control.is_method_stage
),

rated as (
    select
        *,
        case when candidates > 0 then cast(conversions as double) / candidates end as conversion_rate,
        {{ wilson_bound('conversions', 'candidates', z, 'lower') }} as conversion_rate_low,
        {{ wilson_bound('conversions', 'candidates', z, 'upper') }} as conversion_rate_high,
        case
            when control_candidates > 0 then cast(control_conversions as double) / control_candidates
        end as control_conversion_rate
    from counted
),

paired as (
    select
        after_window.method,
        after_window.conversion_rate - before_window.conversion_rate as rate_difference,
        -- Newcombe (1998) hybrid score interval for a difference of two proportions
        after_window.conversion_rate - before_window.conversion_rate - sqrt(
            (after_window.conversion_rate - after_window.conversion_rate_low)
            * (after_window.conversion_rate - after_window.conversion_rate_low)
            + (before_window.conversion_rate_high - before_window.conversion_rate)
            * (before_window.conversion_rate_high - before_window.conversion_rate)
        ) as rate_difference_low,
        after_window.conversion_rate - before_window.conversion_rate + sqrt(
            (after_window.conversion_rate_high - after_window.conversion_rate)
            * (after_window.conversion_rate_high - after_window.conversion_rate)
            + (before_window.conversion_rate - before_window.conversion_rate_low)
            * (before_window.conversion_rate - before_window.conversion_rate_low)
        ) as rate_difference_high,
        (after_window.conversion_rate - before_window.conversion_rate)
        - (after_window.control_conversion_rate - before_window.control_conversion_rate)
            as difference_in_differences,
        -- normal approximation: the four rates' binomial variances add
        {{ z }} * sqrt(
            after_window.conversion_rate * (1 - after_window.conversion_rate) / after_window.candidates
            + before_window.conversion_rate * (1 - before_window.conversion_rate) / before_window.candidates
            + after_window.control_conversion_rate * (1 - after_window.control_conversion_rate)
            / after_window.control_candidates
            + before_window.control_conversion_rate * (1 - before_window.control_conversion_rate)
            / before_window.control_candidates
        ) as difference_in_differences_margin
    from rated as after_window
    inner join rated as before_window
        on
            after_window.method = before_window.method
            and before_window.method_window = 'before'
    where after_window.method_window = 'after'
),

final as (
    select
        cast(rated.method as {{ dbt.type_string() }}) as marketing_method,
        cast(rated.stage as integer) as stage,
        cast(rated.started_on as date) as started_on,
        cast(rated.ended_on as date) as ended_on,
        cast(rated.method_window as {{ dbt.type_string() }}) as method_window,
        cast(rated.window_start as date) as window_start,
        cast(rated.window_end as date) as window_end,
        cast(rated.window_days as integer) as window_days,
        cast(rated.is_full_window as boolean) as is_full_window,
        cast(rated.candidates as bigint) as candidates,
        cast(rated.conversions as bigint) as conversions,
        cast(rated.conversion_rate as double) as conversion_rate,
        cast(rated.control_candidates as bigint) as control_candidates,
        cast(rated.control_conversions as bigint) as control_conversions,
        cast(rated.control_conversion_rate as double) as control_conversion_rate,
        cast(paired.rate_difference as double) as rate_difference,
        cast(paired.rate_difference_low as decimal(18, 4)) as rate_difference_low,
        cast(paired.rate_difference_high as decimal(18, 4)) as rate_difference_high,
        cast(paired.rate_difference_low > 0 or paired.rate_difference_high < 0 as boolean)
            as is_difference_significant,
        cast(paired.difference_in_differences as double) as difference_in_differences,
        cast(paired.difference_in_differences - paired.difference_in_differences_margin as decimal(18, 4))
            as difference_in_differences_low,
        cast(paired.difference_in_differences + paired.difference_in_differences_margin as decimal(18, 4))
            as difference_in_differences_high,
        cast(method_overlaps.overlapping_methods as {{ dbt.type_string() }}) as overlapping_methods,
        cast({{ z }} as double) as interval_z
    from rated
    left join paired
        on
            rated.method = paired.method
            and rated.method_window = 'after'
    left join method_overlaps
        on rated.method = method_overlaps.method
)

select * from final
