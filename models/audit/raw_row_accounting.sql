-- Per source: raw rows read = rows kept + rows quarantined + duplicate deliveries dropped
-- + rows of erased people.
-- Each figure is counted on its own (raw view, staging model, quarantine, base model), so the
-- test on `is_balanced` catches a row lost anywhere between them - including a row an incremental
-- staging run never read. Grain: source.

{#- (name, raw, kept, checked, duplicate rows). Events and orders are ranked in their incremental
    staging models, not in base_: every good delivery beyond one per key is a duplicate. Refunds
    and ad spend carry their rank (a refund's checks depend on it). -#}
{% set good = 'quarantine_reason is null and not is_erased' %}
{% set sources = [
    ('events', source('web', 'events'), ref('stg_web__events'), ref('base_web__events'),
     'sum(case when ' ~ good ~ ' then 1 else 0 end) - count(distinct case when ' ~ good ~ ' then event_id end)'),
    ('orders', source('shop', 'orders'), ref('stg_shop__orders'), ref('base_shop__orders'),
     'sum(case when ' ~ good ~ ' then 1 else 0 end) - count(distinct case when ' ~ good ~ ' then order_id end)'),
    ('refunds', source('shop', 'refunds'), ref('stg_shop__refunds'), ref('base_shop__refunds'),
     'sum(case when ' ~ good ~ ' and delivery_rank > 1 then 1 else 0 end)'),
    ('ad_spend', source('ads', 'ad_spend'), ref('stg_ads__ad_spend'), ref('base_ads__ad_spend'),
     'sum(case when ' ~ good ~ ' and delivery_rank > 1 then 1 else 0 end)'),
] %}

with

quarantine as (
    select * from {{ ref('quarantine') }}
),

{% for name, raw, kept, checked, duplicates in sources %}
    {{ name }}_classified as (
        -- one pass over the classified raw rows (the costly part) for both of its figures
        select
            coalesce({{ duplicates }}, 0) as duplicates_dropped,
            coalesce(sum(case when is_erased then 1 else 0 end), 0) as rows_erased
        from {{ checked }}
    ),
{% endfor %}

counts as (
    {% for name, raw, kept, checked, duplicates in sources %}
        select
            '{{ name }}' as source_name,
            (select count(*) from {{ raw }}) as rows_read,
            (select count(*) from {{ kept }}) as rows_kept,
            (
                select count(*) from quarantine
                where quarantine.source_name = '{{ name }}'
            ) as rows_quarantined,
            {{ name }}_classified.duplicates_dropped,
            {{ name }}_classified.rows_erased
        from {{ name }}_classified
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
