-- Per source: raw rows read = rows kept + rows quarantined + duplicate deliveries dropped
-- + rows of erased people.
-- Each figure is counted on its own (raw view, staging model, quarantine, base model), so the
-- test on `is_balanced` catches a row lost anywhere between them. Grain: source.
with

quarantine as (
    select * from {{ ref('quarantine') }}
),

{#- (name, raw, kept, checked, duplicate count, rows it counts over). Events and orders are ranked
    in their incremental staging models, not in base_: a good delivery beyond the first of its key
    is a duplicate. Refunds and ad spend carry their rank (a refund's checks depend on it). -#}
{% set sources = [
    ('events', source('web', 'events'), ref('stg_web__events'), ref('base_web__events'),
     'count(*) - count(distinct event_id)', 'quarantine_reason is null and not is_erased'),
    ('orders', source('shop', 'orders'), ref('stg_shop__orders'), ref('base_shop__orders'),
     'count(*) - count(distinct order_id)', 'quarantine_reason is null and not is_erased'),
    ('refunds', source('shop', 'refunds'), ref('stg_shop__refunds'), ref('base_shop__refunds'),
     'count(*)', 'quarantine_reason is null and delivery_rank > 1 and not is_erased'),
    ('ad_spend', source('ads', 'ad_spend'), ref('stg_ads__ad_spend'), ref('base_ads__ad_spend'),
     'count(*)', 'quarantine_reason is null and delivery_rank > 1 and not is_erased'),
] %}

counts as (
    {% for name, raw, kept, checked, duplicates, duplicate_rows in sources %}
        select
            '{{ name }}' as source_name,
            (select count(*) from {{ raw }}) as rows_read,
            (select count(*) from {{ kept }}) as rows_kept,
            (
                select count(*) from quarantine
                where source_name = '{{ name }}'
            ) as rows_quarantined,
            (
                select {{ duplicates }} from {{ checked }}
                where {{ duplicate_rows }}
            ) as duplicates_dropped,
            (
                select count(*) from {{ checked }}
                where is_erased
            ) as rows_erased
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        source_name,
        rows_read,
        rows_kept,
        rows_quarantined,
        duplicates_dropped,
        rows_erased,
        rows_read = rows_kept + rows_quarantined + duplicates_dropped + rows_erased as is_balanced
    from counts
)

select * from final
