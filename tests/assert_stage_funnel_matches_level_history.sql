-- mart_stage_funnel agrees with the level history it is built from:
--   * people on a stage's from-level at a month start = people on that level at the previous
--     month end in mart_level_distribution;
--   * conversions of stage s in a month = moves in fct_level_history that month from a level <= s
--     to a level > s (a first level reached through the web counts as a move from level 1).
with

funnel as (
    select * from {{ ref('mart_stage_funnel') }}
),

distribution as (
    select * from {{ ref('mart_level_distribution') }}
),

level_history as (
    select * from {{ ref('fct_level_history') }}
),

people as (
    select * from {{ ref('dim_people') }}
),

previous_month_end as (
    select
        {{ dbt.dateadd('month', 1, 'month') }} as next_month,
        level_number,
        people
    from distribution
),

stock_mismatch as (
    select
        funnel.month,
        funnel.stage,
        'on_level_at_month_start' as measure,
        funnel.on_level_at_month_start as mart_value,
        coalesce(previous_month_end.people, 0) as history_value
    from funnel
    left join previous_month_end
        on
            funnel.month = cast(previous_month_end.next_month as date)
            and funnel.stage = previous_month_end.level_number
    where funnel.stage > 1 and funnel.on_level_at_month_start <> coalesce(previous_month_end.people, 0)
),

moves as (
    select
        level_history.person_id,
        level_history.valid_from as moved_on,
        level_history.level_number as to_level,
        coalesce(
            lag(level_history.level_number) over (
                partition by level_history.person_id order by level_history.valid_from
            ),
            case when {{ store_date('people.first_visit_at') }} = level_history.valid_from then 1 end
        ) as from_level
    from level_history
    inner join people
        on level_history.person_id = people.person_id
),

conversions_from_moves as (
    select
        funnel.month,
        funnel.stage,
        count(moves.person_id) as conversions
    from funnel
    left join moves
        on
            funnel.stage >= moves.from_level
            and funnel.stage < moves.to_level
            and cast({{ dbt.date_trunc('month', 'moves.moved_on') }} as date) = funnel.month
    group by funnel.month, funnel.stage
),

conversion_mismatch as (
    select
        funnel.month,
        funnel.stage,
        'converted' as measure,
        funnel.converted as mart_value,
        conversions_from_moves.conversions as history_value
    from funnel
    inner join conversions_from_moves
        on
            funnel.month = conversions_from_moves.month
            and funnel.stage = conversions_from_moves.stage
    where funnel.converted <> conversions_from_moves.conversions
),

final as (
    select * from stock_mismatch
    union all
    select * from conversion_mismatch
)

select * from final
