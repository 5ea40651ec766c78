-- Who is in each stage audience at every month end (the as-of date for the current month), with
-- the day they entered it and what they did in the lift window after. Grain: audience x
-- evaluation date x person. Rules (windows are vars, README: Audiences):
--   browse_abandoners      product page viewed in the window; no sign-up and no valid order by then
--   cart_abandoners        add_to_cart / checkout_started in the window with no valid order within
--                          cart_abandonment_hours after it (counted once those hours are surely over)
--   new_enquirers          signed up in the window, still subscribed, no valid order
--   new_first_time_buyers  first valid order in the window and still a first-time buyer
--   repeat_not_regular     repeat buyer with one valid order fewer than a regular needs in the window
--   lapsing_regulars       regular buyer whose BG/NBD p_alive is below clv_at_risk_threshold; without
--                          a fit, one whose days since the last order exceed their usual gap
{%- set windows = var('audience_window_days') %}
{%- set cart_settle_days = (var('cart_abandonment_hours') + 23) // 24 %}
{%- set time_unit_days = var('clv_time_unit_days') %}
{%- set threshold = var('clv_at_risk_threshold') %}
{%- set lift_days = var('audience_lift_window_days') %}
with

events as {{ not_materialized() }} (
    select * from {{ ref('int_events_stitched') }}
),

orders as (
    select * from {{ ref('int_orders_netted_of_refunds') }}
),

people as (
    select * from {{ ref('int_people_milestones') }}
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

bgnbd as (
    {% if var('clv_predictions_enabled') -%}
        select
            r,
            alpha,
            a,
            b
        from {{ ref('clv_model_parameters') }}
        where model_name = 'bg_nbd' and fit_status = 'ok'
    {%- else -%}
        -- predictions disabled: no parameters, lapsing_regulars uses the usual-gap rule
        select
            cast(null as double) as r,
            cast(null as double) as alpha,
            cast(null as double) as a,
            cast(null as double) as b
        from as_of
        where 1 = 0
    {%- endif %}
),

evaluation_dates as (
    select
        month,
        month_end_date as evaluation_date
    from months
),

milestones as (
    select
        person_id,
        {{ store_date('signed_up_at') }} as signed_up_on,
        {{ store_date('first_order_at') }} as first_order_on,
        {{ store_date('second_order_at') }} as second_order_on
    from people
),

valid_orders as (
    select
        person_id,
        order_id,
        ordered_at,
        order_date
    from orders
    where is_valid
),

product_views as (
    select
        person_id,
        event_date
    from events
    where event_type = 'page_view' and page_path like '{{ var("audience_product_page_pattern") }}'
),

cart_events as (
    select
        person_id,
        event_id,
        occurred_at,
        event_date
    from events
    where event_type in ('add_to_cart', 'checkout_started')
),

subscription_events as (
    select
        person_id,
        event_type,
        occurred_at,
        event_date
    from events
    where event_type in ('email_signup', 'email_unsubscribe')
),

browse_abandoners as (
    select
        'browse_abandoners' as audience,
        evaluation_dates.evaluation_date,
        product_views.person_id,
        min(product_views.event_date) as entered_on
    from evaluation_dates
    inner join product_views
        on
            {{ within_days_before('product_views.event_date', 'evaluation_dates.evaluation_date',
                                  windows.browse_abandoners) }}
    inner join milestones
        on product_views.person_id = milestones.person_id
    where
        (milestones.signed_up_on is null or milestones.signed_up_on > evaluation_dates.evaluation_date)
        and (milestones.first_order_on is null or milestones.first_order_on > evaluation_dates.evaluation_date)
    group by evaluation_dates.evaluation_date, product_views.person_id
),

cart_outcomes as (
    select
        cart_events.person_id,
        cart_events.event_id,
        cart_events.event_date,
        count(valid_orders.order_id) as orders_within_hours
    from cart_events
    left join valid_orders
        on
            cart_events.person_id = valid_orders.person_id
            and cart_events.occurred_at <= valid_orders.ordered_at
            and valid_orders.ordered_at
            <= {{ dbt.dateadd('hour', var('cart_abandonment_hours'), 'cart_events.occurred_at') }}
    group by cart_events.person_id, cart_events.event_id, cart_events.event_date
),

cart_abandoners as (
    select
        'cart_abandoners' as audience,
        evaluation_dates.evaluation_date,
        cart_outcomes.person_id,
        min(cart_outcomes.event_date) as entered_on
    from evaluation_dates
    inner join cart_outcomes
        on
            {{ within_days_before('cart_outcomes.event_date', 'evaluation_dates.evaluation_date',
                                  windows.cart_abandoners, settle_days=cart_settle_days) }}
    where cart_outcomes.orders_within_hours = 0
    group by evaluation_dates.evaluation_date, cart_outcomes.person_id
),

subscriptions_on_dates as (
    select
        evaluation_dates.evaluation_date,
        subscription_events.person_id,
        subscription_events.event_type,
        -- same-instant sign-up and unsubscribe: the unsubscribe wins
        row_number() over (
            partition by evaluation_dates.evaluation_date, subscription_events.person_id
            order by subscription_events.occurred_at desc, subscription_events.event_type desc
        ) as recency_rank
    from evaluation_dates
    inner join subscription_events
        on evaluation_dates.evaluation_date >= subscription_events.event_date
),

new_enquirers as (
    select
        'new_enquirers' as audience,
        evaluation_dates.evaluation_date,
        sign_ups.person_id,
        min(sign_ups.event_date) as entered_on
    from evaluation_dates
    inner join subscription_events as sign_ups
        on
            sign_ups.event_type = 'email_signup'
            and {{ within_days_before('sign_ups.event_date', 'evaluation_dates.evaluation_date', windows.new_enquirers) }}
    inner join subscriptions_on_dates as latest_subscription
        on
            sign_ups.person_id = latest_subscription.person_id
            and evaluation_dates.evaluation_date = latest_subscription.evaluation_date
            and latest_subscription.recency_rank = 1
    inner join milestones
        on sign_ups.person_id = milestones.person_id
    where
        latest_subscription.event_type = 'email_signup'
        and (milestones.first_order_on is null or milestones.first_order_on > evaluation_dates.evaluation_date)
    group by evaluation_dates.evaluation_date, sign_ups.person_id
),

new_first_time_buyers as (
    select
        'new_first_time_buyers' as audience,
        evaluation_dates.evaluation_date,
        milestones.person_id,
        milestones.first_order_on as entered_on
    from evaluation_dates
    inner join milestones
        on
            {{ within_days_before('milestones.first_order_on', 'evaluation_dates.evaluation_date',
                                  windows.new_first_time_buyers) }}
    where milestones.second_order_on is null or milestones.second_order_on > evaluation_dates.evaluation_date
),

levels_on_dates as (
    select
        evaluation_dates.evaluation_date,
        level_periods.person_id,
        level_periods.level_number,
        level_periods.valid_from
    from evaluation_dates
    inner join level_periods
        on
            evaluation_dates.evaluation_date >= level_periods.valid_from
            and (level_periods.valid_to is null or evaluation_dates.evaluation_date < level_periods.valid_to)
),

buyer_histories_on_dates as (
    -- repeat and regular buyers only: their valid orders up to each evaluation date
    select
        levels_on_dates.evaluation_date,
        levels_on_dates.person_id,
        levels_on_dates.level_number,
        levels_on_dates.valid_from,
        count(
            case
                when valid_orders.order_date > cast(
                        {{ dbt.dateadd('day', -var('regular_buyer_window_days'), 'levels_on_dates.evaluation_date') }}
                        as date
                    ) then valid_orders.order_id
            end
        ) as orders_in_regular_window,
        min(valid_orders.order_date) as first_order_on,
        max(valid_orders.order_date) as last_order_on,
        count(distinct valid_orders.order_date) as purchase_days
    from levels_on_dates
    inner join valid_orders
        on
            levels_on_dates.person_id = valid_orders.person_id
            and levels_on_dates.evaluation_date >= valid_orders.order_date
    where levels_on_dates.level_number in (5, 6)
    group by
        levels_on_dates.evaluation_date,
        levels_on_dates.person_id,
        levels_on_dates.level_number,
        levels_on_dates.valid_from
),

repeat_not_regular as (
    select
        'repeat_not_regular' as audience,
        evaluation_date,
        person_id,
        -- one short since the order that made it so, or since falling back from regular
        greatest(last_order_on, valid_from) as entered_on
    from buyer_histories_on_dates
    where level_number = 5 and orders_in_regular_window = {{ var('regular_buyer_min_orders') }} - 1
),

regulars_measured as (
    select
        buyer_histories_on_dates.evaluation_date,
        buyer_histories_on_dates.person_id,
        buyer_histories_on_dates.valid_from,
        buyer_histories_on_dates.last_order_on,
        buyer_histories_on_dates.purchase_days - 1 as x,
        cast({{ dbt.datediff('buyer_histories_on_dates.first_order_on', 'buyer_histories_on_dates.last_order_on', 'day') }} as double)
            as recency_days,
        cast({{ dbt.datediff('buyer_histories_on_dates.first_order_on', 'buyer_histories_on_dates.evaluation_date', 'day') }} as double)
            as age_days,
        buyer_histories_on_dates.first_order_on,
        bgnbd.r,
        bgnbd.alpha,
        bgnbd.a,
        bgnbd.b
    from buyer_histories_on_dates
    left join bgnbd
        on 1 = 1
    where buyer_histories_on_dates.level_number = 6
),

regulars_scored as (
    select
        *,
        {{ bgnbd_p_alive('x', 'recency_days / ' ~ time_unit_days, 'age_days / ' ~ time_unit_days,
                         'r', 'alpha', 'a', 'b') }} as p_alive,
        -- p_alive falls below the threshold once the age passes this many days after the first order
        case
            when x > 0 then floor(
                    (
                        (alpha + recency_days / {{ time_unit_days }})
                        * power((1.0 / {{ threshold }} - 1.0) * (b + x - 1) / a, 1.0 / (r + x))
                        - alpha
                    ) * {{ time_unit_days }}
                ) + 1
        end as days_to_lapse_after_first_order,
        case when x > 0 then recency_days / x end as usual_gap_days
    from regulars_measured
),

lapsing_regulars as (
    select
        'lapsing_regulars' as audience,
        evaluation_date,
        person_id,
        greatest(
            valid_from,
            least(
                evaluation_date,
                case
                    when r is not null
                        then cast({{ dbt.dateadd('day', 'cast(days_to_lapse_after_first_order as integer)', 'first_order_on') }} as date)
                    else cast({{ dbt.dateadd('day', 'cast(floor(usual_gap_days * ' ~ var('lapsing_gap_multiplier') ~ ') as integer) + 1', 'last_order_on') }} as date)
                end
            )
        ) as entered_on
    from regulars_scored
    where
        case
            when r is not null then p_alive < {{ threshold }}
            else {{ dbt.datediff('last_order_on', 'evaluation_date', 'day') }} > usual_gap_days * {{ var('lapsing_gap_multiplier') }}
        end
),

memberships as (
    select * from browse_abandoners
    union all
    select * from cart_abandoners
    union all
    select * from new_enquirers
    union all
    select * from new_first_time_buyers
    union all
    select * from repeat_not_regular
    union all
    select * from lapsing_regulars
),

orders_after as (
    select
        memberships.audience,
        memberships.evaluation_date,
        memberships.person_id,
        count(valid_orders.order_id) as orders_in_lift_window
    from memberships
    left join valid_orders
        on
            memberships.person_id = valid_orders.person_id
            and memberships.evaluation_date < valid_orders.order_date
            and valid_orders.order_date
            <= cast({{ dbt.dateadd('day', lift_days, 'memberships.evaluation_date') }} as date)
    group by memberships.audience, memberships.evaluation_date, memberships.person_id
),

final as (
    select
        memberships.audience,
        audiences.stage,
        evaluation_dates.month,
        memberships.evaluation_date,
        memberships.person_id,
        memberships.entered_on,
        level_on_date.level_number,
        -- the lift window must be over by the as-of date, else the outcome is unknown (null)
        case
            when cast({{ dbt.dateadd('day', lift_days, 'memberships.evaluation_date') }} as date) <= as_of.as_of_date
                then coalesce(level_after.level_number, level_on_date.level_number) > level_on_date.level_number
        end as moved_up_in_lift_window,
        case
            when cast({{ dbt.dateadd('day', lift_days, 'memberships.evaluation_date') }} as date) <= as_of.as_of_date
                then orders_after.orders_in_lift_window > 0
        end as ordered_in_lift_window
    from memberships
    cross join as_of
    inner join audiences
        on memberships.audience = audiences.audience
    inner join evaluation_dates
        on memberships.evaluation_date = evaluation_dates.evaluation_date
    inner join orders_after
        on
            memberships.audience = orders_after.audience
            and memberships.evaluation_date = orders_after.evaluation_date
            and memberships.person_id = orders_after.person_id
    left join levels_on_dates as level_on_date
        on
            memberships.person_id = level_on_date.person_id
            and memberships.evaluation_date = level_on_date.evaluation_date
    left join level_periods as level_after
        on
            memberships.person_id = level_after.person_id
            and level_after.valid_from
            <= cast({{ dbt.dateadd('day', lift_days, 'memberships.evaluation_date') }} as date)
            and (
                level_after.valid_to is null
                or level_after.valid_to
                > cast({{ dbt.dateadd('day', lift_days, 'memberships.evaluation_date') }} as date)
            )
)

select * from final
