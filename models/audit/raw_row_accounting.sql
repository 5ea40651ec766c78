-- Per source system and raw table read: rows read = rows kept + rows quarantined + duplicate
-- deliveries dropped + rows of erased people + rows merged into another kept row.
-- Each figure is counted on its own (raw view, staging model, quarantine, base model), so the
-- test on `is_balanced` catches a row lost anywhere between them - including a row an incremental
-- staging run never read. A tool's raw table can feed several canonical tables (a GA4 export holds
-- events, orders and refunds), so every figure is counted per raw file, and each file belongs to one
-- raw table. Grain: source system and raw table (macro raw_tables_read).

{#- Events and orders are ranked in their incremental staging models, not in base_: every good
    delivery beyond one per key (within one raw table) is a duplicate. Refunds and ad spend carry
    their rank (a refund's checks depend on it). -#}
{% set tables = raw_tables_read() %}
{% set good = 'quarantine_reason is null and not is_erased' %}
{% set canonical = [
    (ref('stg_web__events'), ref('base_web__events'),
     'sum(case when ' ~ good ~ ' then 1 else 0 end) - count(distinct case when ' ~ good ~ ' then event_id end)'),
    (ref('stg_shop__orders'), ref('base_shop__orders'),
     'sum(case when ' ~ good ~ ' then 1 else 0 end) - count(distinct case when ' ~ good ~ ' then order_id end)'),
    (ref('stg_shop__refunds'), ref('base_shop__refunds'),
     'sum(case when ' ~ good ~ ' and delivery_rank > 1 then 1 else 0 end)'),
    (ref('stg_ads__ad_spend'), ref('base_ads__ad_spend'),
     'sum(case when ' ~ good ~ ' and delivery_rank > 1 then 1 else 0 end)'),
] %}
{#- tool base models that drop raw rows as duplicates themselves (each listed once) -#}
{% set tool_bases = [] %}
{% for table in tables %}
    {% if table.get('tool_base') and table['tool_base'] not in tool_bases %}
        {% do tool_bases.append(table['tool_base']) %}
    {% endif %}
{% endfor %}
{#- tool models that fold raw rows into another kept row (is_merged_row; each listed once) -#}
{% set tool_merged = [] %}
{% for table in tables %}
    {% if table.get('tool_merged') and table['tool_merged'] not in tool_merged %}
        {% do tool_merged.append(table['tool_merged']) %}
    {% endif %}
{% endfor %}

with

quarantine as (
    select * from {{ ref('quarantine') }}
),

raw_tables as (
    {% for table in tables %}
        select
            '{{ table.system }}' as source_system,
            '{{ table.name }}' as source_name
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

files as (
    -- every raw file read, with the raw table it belongs to
    {% for table in tables %}
        select
            '{{ table.system }}' as source_system,
            '{{ table.name }}' as source_name,
            _source_file as source_file,
            count(*) as rows_read
        from {{ table.relation }}
        group by _source_file
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

kept_rows as (
    {% for kept, checked, duplicates in canonical %}
        select
            source_file,
            count(*) as rows_kept
        from {{ kept }}
        group by source_file
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

quarantined_rows as (
    select
        source_file,
        count(*) as rows_quarantined
    from quarantine
    group by source_file
),

kept_per_file as (
    -- a tool's file can feed several staging models (GA4: events, orders, refunds)
    select
        source_file,
        sum(rows_kept) as rows_kept
    from kept_rows
    group by source_file
),

per_file as (
    select
        files.source_system,
        files.source_name,
        files.rows_read,
        coalesce(kept_per_file.rows_kept, 0) as rows_kept,
        coalesce(quarantined_rows.rows_quarantined, 0) as rows_quarantined
    from files
    left join kept_per_file
        on files.source_file = kept_per_file.source_file
    left join quarantined_rows
        on files.source_file = quarantined_rows.source_file
),

classified as (
    -- one pass over each canonical table's classified raw rows (the costly part) for its figures
    {% for kept, checked, duplicates in canonical %}
        select
            files.source_system,
            files.source_name,
            coalesce({{ duplicates }}, 0) as duplicates_dropped,
            coalesce(sum(case when classified_rows.is_erased then 1 else 0 end), 0) as rows_erased,
            0 as rows_merged
        from {{ checked }} as classified_rows
        inner join files
            on classified_rows.source_file = files.source_file
        group by files.source_system, files.source_name
        union all
    {% endfor %}
    {% for tool_base in tool_bases %}
        select
            files.source_system,
            files.source_name,
            count(*) as duplicates_dropped,
            0 as rows_erased,
            0 as rows_merged
        from {{ tool_base }} as tool_rows
        inner join files
            on tool_rows._source_file = files.source_file
        where tool_rows.is_tool_duplicate
        group by files.source_system, files.source_name
        union all
    {% endfor %}
    {% for merged in tool_merged %}
        select
            files.source_system,
            files.source_name,
            0 as duplicates_dropped,
            0 as rows_erased,
            count(*) as rows_merged
        from {{ merged }} as tool_rows
        inner join files
            on tool_rows._source_file = files.source_file
        where tool_rows.is_merged_row
        group by files.source_system, files.source_name
        union all
    {% endfor %}
    -- a typed row that adds nothing, so each part above can end in union all
    select
        source_system,
        source_name,
        0 as duplicates_dropped,
        0 as rows_erased,
        0 as rows_merged
    from raw_tables
),

file_figures as (
    select
        source_system,
        source_name,
        sum(rows_read) as rows_read,
        sum(rows_kept) as rows_kept,
        sum(rows_quarantined) as rows_quarantined
    from per_file
    group by source_system, source_name
),

classified_figures as (
    select
        source_system,
        source_name,
        sum(duplicates_dropped) as duplicates_dropped,
        sum(rows_erased) as rows_erased,
        sum(rows_merged) as rows_merged
    from classified
    group by source_system, source_name
),

counts as (
    select
        raw_tables.source_system,
        raw_tables.source_name,
        coalesce(file_figures.rows_read, 0) as rows_read,
        coalesce(file_figures.rows_kept, 0) as rows_kept,
        coalesce(file_figures.rows_quarantined, 0) as rows_quarantined,
        classified_figures.duplicates_dropped,
        classified_figures.rows_erased,
        classified_figures.rows_merged
    from raw_tables
    left join file_figures
        on
            raw_tables.source_system = file_figures.source_system
            and raw_tables.source_name = file_figures.source_name
    inner join classified_figures
        on
            raw_tables.source_system = classified_figures.source_system
            and raw_tables.source_name = classified_figures.source_name
),

final as (
    select
        source_system,
        source_name,
        cast(rows_read as {{ dbt.type_bigint() }}) as rows_read,
        cast(rows_kept as {{ dbt.type_bigint() }}) as rows_kept,
        cast(rows_quarantined as {{ dbt.type_bigint() }}) as rows_quarantined,
        cast(duplicates_dropped as {{ dbt.type_bigint() }}) as duplicates_dropped,
        cast(rows_erased as {{ dbt.type_bigint() }}) as rows_erased,
        cast(rows_merged as {{ dbt.type_bigint() }}) as rows_merged,
        rows_read = rows_kept + rows_quarantined + duplicates_dropped + rows_erased + rows_merged as is_balanced
    from counts
)

select * from final
