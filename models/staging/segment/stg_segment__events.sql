-- Segment / RudderStack calls in the web-events contract (models/staging/web/_web__sources.yml):
-- pages, identifies and track calls the mapping passes on, read by base_web__events through
-- canonical_raw('web', 'events'). Event names -> event types: docs/sources.md.
{{ config(enabled=var('web_source') == 'segment') }}
{#- sign-ups and unsubscribes come from here only when email_source is web (else from Klaviyo, and
    these events are visits) -#}
{% set email_from_web = var('email_source') == 'web' %}
{% set signup_events = web_event_names('signup') if email_from_web else [] %}
{% set unsubscribe_events = web_event_names('unsubscribe') if email_from_web else [] %}

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
            when event_name in {{ sql_string_list(signup_events) }} then 'email_signup'
            when event_name in {{ sql_string_list(unsubscribe_events) }} then 'email_unsubscribe'
            when event_name = 'Product Added' then 'add_to_cart'
            when event_name = 'Checkout Started' then 'checkout_started'
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
