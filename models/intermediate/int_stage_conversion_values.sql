-- What one more conversion on each stage is worth, from the store's own orders: the mean net
-- revenue of people in the opportunity_value_horizon_days from the day they passed the stage
-- (the converting order included), minus the mean net revenue of people still on the stage's
-- from-level in the same number of days after they arrived on it (the order that brought them
-- there excluded: it is the earlier stage's gain). Windows are cut at the as-of date. Estimator,
-- horizon and limits: docs/decisions.md. Grain: stage.
with

spells as (
    select * from {{ ref('int_stage_spells') }}
),

orders as (
    select * from {{ ref('int_orders_netted_of_refunds') }}
),

stages as (
    select * from {{ ref('stages') }}
),

valid_orders as (
    select
        person_id,
        order_date,
        net_revenue
    from orders
    where is_valid
),

spell_windows as (
    select
        spells.person_id,
        spells.stage,
        spells.converted_on is not null as has_passed,
        coalesce(spells.converted_on, spells.arrived_on) as window_start
    from spells
    -- stage 1 stayers are the world: no individuals, their revenue is 0
    where spells.converted_on is not null or spells.arrived_on is not null
),

spell_revenue as (
    select
        spell_windows.person_id,
        spell_windows.stage,
        spell_windows.has_passed,
        coalesce(sum(valid_orders.net_revenue), 0) as net_revenue_in_window
    from spell_windows
    left join valid_orders
        on
            spell_windows.person_id = valid_orders.person_id
            and cast(
                {{ dbt.dateadd('day', var('opportunity_value_horizon_days'), 'spell_windows.window_start') }} as date
            ) > valid_orders.order_date
            and (
                (spell_windows.has_passed and spell_windows.window_start <= valid_orders.order_date)
                or (not spell_windows.has_passed and spell_windows.window_start < valid_orders.order_date)
            )
    group by spell_windows.person_id, spell_windows.stage, spell_windows.has_passed, spell_windows.window_start
),

by_stage as (
    select
        stage,
        sum(case when has_passed then 1 else 0 end) as passers_valued,
        sum(case when not has_passed then 1 else 0 end) as stayers_valued,
        avg(case when has_passed then net_revenue_in_window end) as passer_net_revenue,
        avg(case when not has_passed then net_revenue_in_window end) as stayer_net_revenue
    from spell_revenue
    group by stage
),

final as (
    select
        stages.stage,
        coalesce(by_stage.passers_valued, 0) as passers_valued,
        coalesce(by_stage.stayers_valued, 0) as stayers_valued,
        by_stage.passer_net_revenue,
        coalesce(by_stage.stayer_net_revenue, 0) as stayer_net_revenue,
        -- no passer yet: nothing shows what passing is worth
        by_stage.passer_net_revenue - coalesce(by_stage.stayer_net_revenue, 0) as value_per_conversion
    from stages
    left join by_stage
        on stages.stage = by_stage.stage
)

select * from final
