-- browse_abandoners at every month end (the as-of date for the current month): viewed a product
-- page (audience_product_page_pattern) in the audience_window_days ending on the date, with no
-- sign-up and no valid order by then. Grain: evaluation date x person.
with

events as (
    select * from {{ ref('int_events_stitched') }}
),

milestones as (
    select * from {{ ref('int_people_milestone_dates') }}
),

months as (
    select * from {{ ref('int_months') }}
),

product_views as (
    select
        person_id,
        event_date
    from events
    where event_type = 'page_view' and page_path like '{{ var("audience_product_page_pattern") }}'
),

final as (
    select
        months.month_end_date as evaluation_date,
        product_views.person_id,
        min(product_views.event_date) as entered_on
    from months
    inner join product_views
        on
            {{ within_days_before('product_views.event_date', 'months.month_end_date',
                                  var('audience_window_days').browse_abandoners) }}
    inner join milestones
        on product_views.person_id = milestones.person_id
    where
        (milestones.signed_up_on is null or milestones.signed_up_on > months.month_end_date)
        and (milestones.first_order_on is null or milestones.first_order_on > months.month_end_date)
    group by months.month_end_date, product_views.person_id
)

select * from final
