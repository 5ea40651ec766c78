-- Segment / RudderStack calls in the web-events contract (models/staging/web/_web__sources.yml):
-- pages, identifies and track calls the mapping passes on, read by base_web__events through
-- canonical_raw('web', 'events'). Event names -> event types: docs/sources.md.
{{ config(enabled=var('web_source') == 'segment') }}
{#- sign-ups and unsubscribes come from here only when email_source is web (else from Klaviyo, and
    these events are visits) -#}
{% set email_from_web = var('email_source') == 'web' %}
{% set signup_events = web_event_names('signup') if email_from_web else [] %}
{% set unsubscribe_events = web_event_names('unsubscribe') if email_from_web else [] %}
{#- a name is matched as sent (event_text), and on a row loaded without event_text by its slug
    (event), as the tools slug the names configured -#}
{% set signup_slugs = [] %}
{% for name in signup_events %}{% do signup_slugs.append(segment_event_slug(name)) %}{% endfor %}
{% set unsubscribe_slugs = [] %}
{% for name in unsubscribe_events %}{% do unsubscribe_slugs.append(segment_event_slug(name)) %}{% endfor %}

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
            when event_text in {{ sql_string_list(signup_events) }} then 'email_signup'
            when event_text is null and event_slug in {{ sql_string_list(signup_slugs) }} then 'email_signup'
            when event_text in {{ sql_string_list(unsubscribe_events) }} then 'email_unsubscribe'
            when event_text is null and event_slug in {{ sql_string_list(unsubscribe_slugs) }} then 'email_unsubscribe'
            when call_table = 'product_added' then 'add_to_cart'
            when call_table = 'checkout_started' then 'checkout_started'
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
