-- Klaviyo subscription events in the web-events contract (models/staging/web/_web__sources.yml):
-- sign-ups and unsubscribes, unioned into canonical_raw('web', 'events') when email_source is klaviyo.
-- The person is the profile's e-mail, and its external_id (the store's customer id) when synced;
-- Klaviyo has no site cookie.
{{ config(enabled=var('email_source') == 'klaviyo') }}

with

source as (
    select * from {{ source('klaviyo', 'events') }}
),

final as (
    select
        {{ dbt.concat(["'klaviyo:'", clean_string('id')]) }} as event_id,
        case
            when {{ clean_string('metric_name') }} in {{ sql_string_list(var('klaviyo_signup_metrics')) }}
                then 'email_signup'
            when {{ clean_string('metric_name') }} in {{ sql_string_list(var('klaviyo_unsubscribe_metrics')) }}
                then 'email_unsubscribe'
        end as event_type,
        cast(null as {{ dbt.type_string() }}) as anonymous_id,
        {{ clean_string('external_id') }} as customer_id,
        email,
        {{ adapter.quote('datetime') }} as occurred_at,
        coalesce(loaded_at, {{ adapter.quote('datetime') }}) as loaded_at,
        cast(null as {{ dbt.type_string() }}) as utm_source,
        cast(null as {{ dbt.type_string() }}) as utm_medium,
        cast(null as {{ dbt.type_string() }}) as utm_campaign,
        cast(null as {{ dbt.type_string() }}) as page_path,
        cast(null as {{ dbt.type_string() }}) as referrer,
        _source_file,
        _source_row_number,
        case
            -- an export of every metric holds opens and clicks too: not a subscription change
            when
                {{ clean_string('metric_name') }} is not null
                and {{ clean_string('metric_name') }} not in {{ sql_string_list(
                    var('klaviyo_signup_metrics') + var('klaviyo_unsubscribe_metrics')) }}
                then 'klaviyo_unmapped_metric'
        end as source_quarantine_reason
    from source
)

select * from final
