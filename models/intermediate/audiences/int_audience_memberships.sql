-- Who is in each stage audience at every month end (the as-of date for the current month), with
-- the day they entered it and what they did in the lift window after. Grain: audience x
-- evaluation date x person. Each audience's rule is its own model, int_audience_<audience>
-- (evaluation date x person, entered_on); this model only stacks them and adds what every audience
-- shares: stage, level and lift.
-- The rules are listed here, not read from the seed, because refs must be known when dbt parses
-- (docs/decisions.md); the test every_audience_has_a_rule fails while a seed row has no rule in
-- this list. Adding an audience: docs/audiences.md, Adding an audience.
{%- set audience_rules = [
    'browse_abandoners',
    'cart_abandoners',
    'new_enquirers',
    'new_first_time_buyers',
    'repeat_not_regular',
    'lapsing_regulars',
] %}
{%- set lift_days = var('audience_lift_window_days') %}
with

{% for audience in audience_rules %}
    {{ audience }} as (
        select * from {{ ref('int_audience_' ~ audience) }}
    ),
{% endfor %}

orders as (
    select * from {{ ref('int_orders_netted_of_refunds') }}
),

level_periods as (
    select * from {{ ref('int_level_periods') }}
),

months as (
    select * from {{ ref('int_months') }}
),

audiences as (
    select * from {{ ref('audiences') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

memberships as (
    {% for audience in audience_rules %}
        select
            '{{ audience }}' as audience,
            evaluation_date,
            person_id,
            entered_on,
            cast({{ dbt.dateadd('day', lift_days, 'evaluation_date') }} as date) as lift_window_end
        from {{ audience }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

orders_after as (
    -- only the members who ordered in the lift window (an inner join: a few thousand rows, not one
    -- per member to join back; issue #18); the rest have none
    select
        memberships.audience,
        memberships.evaluation_date,
        memberships.person_id,
        count(*) as orders_in_lift_window
    from memberships
    inner join orders
        on
            memberships.person_id = orders.person_id
            and orders.is_valid
            and memberships.evaluation_date < orders.order_date
            and memberships.lift_window_end >= orders.order_date
    group by memberships.audience, memberships.evaluation_date, memberships.person_id
),

final as (
    select
        memberships.audience,
        audiences.stage,
        months.month,
        memberships.evaluation_date,
        memberships.person_id,
        memberships.entered_on,
        level_on_date.level_number,
        -- the lift window must be over by the as-of date, else the outcome is unknown (null)
        case
            when memberships.lift_window_end <= as_of.as_of_date
                then coalesce(level_after.level_number, level_on_date.level_number) > level_on_date.level_number
        end as moved_up_in_lift_window,
        case
            when memberships.lift_window_end <= as_of.as_of_date
                then coalesce(orders_after.orders_in_lift_window, 0) > 0
        end as ordered_in_lift_window
    from memberships
    cross join as_of
    -- left: a rule with no seed row keeps its rows, and the stage tests fail
    left join audiences
        on memberships.audience = audiences.audience
    inner join months
        on memberships.evaluation_date = months.month_end_date
    left join orders_after
        on
            memberships.audience = orders_after.audience
            and memberships.evaluation_date = orders_after.evaluation_date
            and memberships.person_id = orders_after.person_id
    left join level_periods as level_on_date
        on
            memberships.person_id = level_on_date.person_id
            and {{ period_covers('level_on_date', 'memberships.evaluation_date') }}
    left join level_periods as level_after
        on
            memberships.person_id = level_after.person_id
            and {{ period_covers('level_after', 'memberships.lift_window_end') }}
)

select * from final
