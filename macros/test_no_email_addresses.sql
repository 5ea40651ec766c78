{#-
    Fails with one row per text value holding an '@' in any column of the model: e-mail addresses
    are hashed in staging and must never reach an intermediate model or a mart.
-#}
{% test no_email_addresses(model) %}
    {%- set text_columns = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(model) if column.is_string() -%}
            {%- do text_columns.append(column.name) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for column in text_columns %}
        select
            '{{ column }}' as column_name,
            {{ adapter.quote(column) }} as column_value
        from {{ model }}
        where {{ adapter.quote(column) }} like '%@%'
        {% if not loop.last %}union all{% endif %}
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as column_name,
            cast(null as {{ dbt.type_string() }}) as column_value
        where 1 = 0
    {%- endfor %}
{% endtest %}
