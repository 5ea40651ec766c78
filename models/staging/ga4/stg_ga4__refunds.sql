-- GA4 refund events as refunds (var order_source: web), in the refunds contract
-- (models/staging/shop/_shop__sources.yml). A refund has no id of its own: the derived event id is it.
{{ config(enabled=var('web_source') == 'ga4') }}

with

refund_events as (
    select * from {{ ref('base_ga4__events') }}
    where becomes = 'refunds'
),

final as (
    select
        event_id as refund_id,
        transaction_id as order_id,
        occurred_at as refunded_at,
        amount,
        loaded_at,
        _source_file,
        _source_row_number,
        source_quarantine_reason
    from refund_events
)

select * from final
