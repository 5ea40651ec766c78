-- Each time a person stood on a stage's from-level, and when they left it upward.
-- Grain: person x stage x spell. A stage s (1..5) is passed by moving from level s to any higher
-- level; a move that skips levels passes every skipped stage the same day (a zero-day spell on
-- each skipped level). People whose first level was reached through the web came from level 1
-- (world) that day, so they pass stage 1 and any stage below their first level. Buyers first
-- seen through an order, with no web event by then, enter on their level without passing lower
-- stages: nothing shows how they came.
with

level_periods as (
    select * from {{ ref('int_level_periods') }}
),

people as (
    select * from {{ ref('int_people_milestones') }}
),

stages as (
    select * from {{ ref('stages') }}
),

periods_with_neighbours as (
    select
        person_id,
        level_number,
        valid_from,
        valid_to,
        lag(level_number) over (partition by person_id order by valid_from) as previous_level_number
    from level_periods
),

moves as (
    -- Every arrival on a level, with the level it came from (1 = world for a web entry).
    select
        periods_with_neighbours.person_id,
        periods_with_neighbours.level_number,
        periods_with_neighbours.valid_from,
        periods_with_neighbours.valid_to,
        case
            when periods_with_neighbours.previous_level_number is not null
                then periods_with_neighbours.previous_level_number
            when {{ store_date('people.first_visit_at') }} = periods_with_neighbours.valid_from then 1
        end as from_level_number
    from periods_with_neighbours
    inner join people
        on periods_with_neighbours.person_id = people.person_id
),

stood_on_level as (
    select
        moves.person_id,
        stages.stage,
        moves.valid_from as arrived_on,
        -- levels 2..5 are only ever left upward
        moves.valid_to as converted_on,
        false as is_skipped_level
    from moves
    inner join stages
        on moves.level_number = stages.from_level_number
),

passed_on_arrival as (
    -- stage 1 for a web entry, and a zero-day spell on each level a move skipped
    select
        moves.person_id,
        stages.stage,
        case when stages.stage = 1 then null else moves.valid_from end as arrived_on,
        moves.valid_from as converted_on,
        stages.stage > 1 as is_skipped_level
    from moves
    inner join stages
        on
            moves.level_number > stages.from_level_number
            and (
                moves.from_level_number < stages.from_level_number
                or (stages.from_level_number = 1 and moves.from_level_number = 1)
            )
),

final as (
    select * from stood_on_level
    union all
    select * from passed_on_arrival
)

select * from final
