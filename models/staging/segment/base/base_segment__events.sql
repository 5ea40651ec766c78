-- Every raw Segment / RudderStack row of every table read, in one shape: the call's ids, time,
-- page, campaign and the properties read, with the canonical table it becomes (events, orders,
-- refunds) or why the mapping drops it as a copy (is_tool_duplicate: the tracks row of a call whose
-- per-event table is read; an Order Refunded when the orders come from elsewhere), and the reason
-- the mapping rejects it. Grain: raw row. Ephemeral: read by stg_segment__* and the accounting.
-- The tools load a track call's event name twice: event is its slug (order_completed, the name of
-- its per-event table), event_text the name as sent (Order Completed).
{{ config(enabled=var('web_source') == 'segment') }}

{% set per_event_tables = ['order_completed', 'order_refunded', 'product_viewed', 'product_added',
                           'checkout_started', 'signed_up', 'unsubscribed'] %}
{% set has_email = ['identifies', 'order_completed', 'signed_up', 'unsubscribed'] %}
{% set has_order = ['order_completed', 'order_refunded'] %}
{% set ts = adapter.quote('timestamp') %}

with

calls as (
    {% for table in ['pages', 'identifies', 'tracks'] + per_event_tables %}
        select
            '{{ table }}' as segment_table,
            {{ clean_string('id') }} as id,
            {{ clean_string('anonymous_id') }} as anonymous_id,
            {{ clean_string('user_id') }} as user_id,
            {% if table in ['pages', 'identifies'] %}
                cast(null as {{ dbt.type_string() }}) as event_slug,
                cast(null as {{ dbt.type_string() }}) as event_text,
                cast(null as {{ dbt.type_string() }}) as call_table,
            {% else %}
                lower({{ clean_string('event') }}) as event_slug,
                {{ clean_string('event_text') }} as event_text,
                -- the per-event table of the call: the one read, or for a tracks row the one its slug names
                {{ "lower(" ~ clean_string('event') ~ ")" if table == 'tracks' else "'" ~ table ~ "'" }} as call_table,
            {% endif %}
            {{ ts }} as occurred_at,
            -- the warehouse load time: Segment's loaded_at, else the row's write time (uuid_ts), else receipt
            coalesce(loaded_at, uuid_ts, received_at) as loaded_at,
            {% if table == 'pages' %}
                coalesce({{ clean_string('context_page_path') }}, {{ clean_string('path') }}) as page_path,
                coalesce({{ clean_string('context_page_referrer') }}, {{ clean_string('referrer') }}) as referrer,
            {% else %}
                {{ clean_string('context_page_path') }} as page_path,
                {{ clean_string('context_page_referrer') }} as referrer,
            {% endif %}
            context_campaign_source as utm_source,
            context_campaign_medium as utm_medium,
            context_campaign_name as utm_campaign,
            {{ 'email' if table in has_email else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as email,
            {% if table in has_order %}
                {{ clean_string('order_id') }} as order_id,
                coalesce(total, revenue) as amount,
                currency,
            {% else %}
                cast(null as {{ dbt.type_string() }}) as order_id,
                cast(null as double) as amount,
                cast(null as {{ dbt.type_string() }}) as currency,
            {% endif %}
            _source_file,
            _source_row_number
        from {{ source('segment', table) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

per_event_ids as (
    -- calls read with their properties: their tracks row is the same call again
    select distinct id
    from calls
    where segment_table in {{ sql_string_list(per_event_tables) }} and id is not null
),

mapped as (
    select
        calls.*,
        case
            when calls.segment_table = 'tracks' and per_event_ids.id is not null then 'per_event_copy'
            -- by the call's table, not its name: a store may send 'Order completed', the slug is the same;
            -- a tracks-only Order Completed (its table not exported) lacks the order id: quarantined
            when calls.call_table = 'order_completed' and '{{ var("order_source") }}' = 'web' then 'orders'
            when calls.call_table = 'order_refunded' and '{{ var("order_source") }}' = 'web' then 'refunds'
            -- orders come from the order source, which has the refund; a completed order was a visit
            when calls.call_table = 'order_refunded' then 'order_source_copy'
            else 'events'
        end as becomes
    from calls
    left join per_event_ids
        on calls.segment_table = 'tracks' and calls.id = per_event_ids.id
),

final as (
    select
        *,
        becomes in ('per_event_copy', 'order_source_copy') as is_tool_duplicate,
        case
            when becomes in ('orders', 'refunds') and order_id is null then 'missing_order_id'
        end as source_quarantine_reason
    from mapped
)

select * from final
