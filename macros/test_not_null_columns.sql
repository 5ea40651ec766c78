{#- Fails with one row per listed column that holds nulls, and how many.
    One test node per model instead of one per column: each node costs dbt about 25 ms of fixed
    work, paid in every build (docs/decisions.md, "Not-null checks: one test per model"). -#}
{% test not_null_columns(model, columns) %}
    with

    null_counts as (
        select
            {%- for column in columns %}
            sum(case when {{ column }} is null then 1 else 0 end) as nulls_{{ loop.index }}
            {{- "," if not loop.last }}
            {%- endfor %}
        from {{ model }}
    ),

    per_column as (
        {%- for column in columns %}
        select
            '{{ column }}' as column_name,
            nulls_{{ loop.index }} as null_rows
        from null_counts
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    ),

    final as (
        select * from per_column
        where null_rows > 0
    )

    select * from final
{% endtest %}
