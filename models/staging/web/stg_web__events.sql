-- Web events, one row per event_id: the first good delivery, e-mail replaced by its hash.
-- Rejected rows are in audit.quarantine, later deliveries counted in audit.raw_row_accounting.
with

checked_events as (
    select * from {{ ref('base_web__events') }}
),

final as (
    select
        event_id,
        event_type,
        anonymous_id,
        customer_id,
        email_hash,
        occurred_at,
        loaded_at,
        utm_source,
        utm_medium,
        utm_campaign,
        page_path,
        referrer,
        source_file
    from checked_events
    where quarantine_reason is null and delivery_rank = 1 and not is_erased
)

select * from final
