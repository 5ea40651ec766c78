-- GA4 events in the web-events contract (models/staging/web/_web__sources.yml): one row per raw
-- event the mapping passes on (not an intraday copy, not an order or refund), read by
-- base_web__events through canonical_raw('web', 'events'). Event names -> event types: docs/sources.md.
{{ config(enabled=var('web_source') == 'ga4') }}
{#- sign-ups and unsubscribes come from here only when email_source is web (else from Klaviyo, and
    these events are visits) -#}
{% set email_from_web = var('email_source') == 'web' %}
{% set signup_events = web_event_names('signup') if email_from_web else [] %}
{% set unsubscribe_events = web_event_names('unsubscribe') if email_from_web else [] %}

with

ga4_events as (
    select * from {{ ref('base_ga4__events') }}
    where becomes = 'events'
),

final as (
    select
        event_id,
        case
            when event_name in {{ sql_string_list(signup_events) }} then 'email_signup'
            when event_name in {{ sql_string_list(unsubscribe_events) }} then 'email_unsubscribe'
            when event_name = 'add_to_cart' then 'add_to_cart'
            when event_name = 'begin_checkout' then 'checkout_started'
            when event_name = 'login' then 'identify'
            -- page_view, view_item (keeps the product page's path) and any other event: a visit
            else 'page_view'
        end as event_type,
        user_pseudo_id as anonymous_id,
        user_id as customer_id,
        -- GA4 forbids personal data in the export: no e-mail
        cast(null as {{ dbt.type_string() }}) as email,
        occurred_at,
        loaded_at,
        coalesce(manual_source, param_source) as utm_source,
        coalesce(manual_medium, param_medium) as utm_medium,
        coalesce(manual_campaign_name, param_campaign) as utm_campaign,
        {{ url_path('page_location') }} as page_path,
        page_referrer as referrer,
        _source_file,
        _source_row_number,
        source_quarantine_reason
    from ga4_events
)

select * from final
