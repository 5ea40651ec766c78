-- Segment / RudderStack calls in the web-events contract (models/staging/web/_web__sources.yml):
-- pages, identifies and track calls the mapping passes on, read by base_web__events through
-- canonical_raw('web', 'events'). Event names -> event types: docs/sources.md.
{{ config(enabled=var('web_source') == 'segment') }}

with

calls as (
    select * from {{ ref('base_segment__events') }}
    where becomes = 'events'
),

final as (
    select
        id as event_id,
        case
            when segment_table = 'pages' then 'page_view'
            when segment_table = 'identifies' then 'identify'
            {% if var('email_source') == 'web' %}
                when event in {{ sql_string_list(web_event_names('signup')) }} then 'email_signup'
                when event in {{ sql_string_list(web_event_names('unsubscribe')) }} then 'email_unsubscribe'
            {% endif %}
            when event = 'Product Added' then 'add_to_cart'
            when event = 'Checkout Started' then 'checkout_started'
            -- Product Viewed (keeps the product page's path) and any other track call: a visit
            else 'page_view'
        end as event_type,
        anonymous_id,
        user_id as customer_id,
        email,
        occurred_at,
        loaded_at,
        utm_source,
        utm_medium,
        utm_campaign,
        page_path,
        referrer,
        _source_file,
        _source_row_number,
        source_quarantine_reason
    from calls
)

select * from final
