-- Every raw event row, typed and cleaned, with the reason it is quarantined (null = good) and
-- whether it belongs to a person who asked to be erased. Grain: raw row. Ephemeral: rows of
-- erased people are never stored. No delivery rank here: incremental staging ranks only the
-- rows it reads, so a filter on loaded_at must reach the raw scan.
with

source as (
    select
        event_id,
        event_type,
        anonymous_id,
        customer_id,
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
    from {{ canonical_raw('web', 'events') }}
),

typed as (
    select
        {{ clean_string('event_id') }} as event_id,
        lower({{ clean_string('event_type') }}) as event_type,
        {{ clean_string('anonymous_id') }} as anonymous_id,
        {{ clean_string('customer_id') }} as customer_id,
        {{ hash_email('email') }} as email_hash,
        {{ dbt.safe_cast('occurred_at', dbt.type_timestamp()) }} as occurred_at,
        {{ dbt.safe_cast('loaded_at', dbt.type_timestamp()) }} as loaded_at,
        lower({{ clean_string('utm_source') }}) as utm_source,
        lower({{ clean_string('utm_medium') }}) as utm_medium,
        {{ clean_string('utm_campaign') }} as utm_campaign,
        {{ clean_string('page_path') }} as page_path,
        {{ clean_string('referrer') }} as referrer,
        _source_file as source_file,
        _source_row_number as source_row_number,
        source_quarantine_reason
    from source
),

checked as (
    select
        *,
        case
            -- the tool's own mapping rejected the row (macros/source_systems.sql)
            when source_quarantine_reason is not null then source_quarantine_reason
            when event_id is null then 'missing_key'
            when
                event_type is null
                or event_type not in (
                    'page_view', 'email_signup', 'email_unsubscribe', 'identify', 'add_to_cart', 'checkout_started'
                )
                then 'unknown_event_type'
            when occurred_at is null or loaded_at is null then 'bad_timestamp'
            when
                occurred_at > {{ dbt.dateadd('day', var('max_occurred_after_loaded_days'), 'loaded_at') }}
                then 'occurred_after_loaded'
            -- nobody to give the event to
            when anonymous_id is null and customer_id is null and email_hash is null then 'no_identifier'
        end as quarantine_reason,
        (
            {{ is_erased('customer_id', 'customer_id') }}
            or {{ is_erased('email', 'email_hash', already_hashed=true) }}
            or {{ is_erased('anonymous_id', 'anonymous_id') }}
        ) as is_erased
    from typed
),

final as (
    select * from checked
)

select * from final
