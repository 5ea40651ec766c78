-- Segment Order Refunded calls as refunds (var order_source: web), in the refunds contract
-- (models/staging/shop/_shop__sources.yml); the call's message id is the refund id.
{{ config(enabled=var('web_source') == 'segment') }}

with

refund_calls as (
    select * from {{ ref('base_segment__events') }}
    where becomes = 'refunds'
),

final as (
    select
        id as refund_id,
        order_id,
        occurred_at as refunded_at,
        amount,
        loaded_at,
        _source_file,
        _source_row_number,
        source_quarantine_reason
    from refund_calls
)

select * from final
