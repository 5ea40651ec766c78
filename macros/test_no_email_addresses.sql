{#-
    Fails with one row per row holding an '@' in any text column of the model (naming the first
    such column): e-mail addresses are hashed in staging and must never reach an intermediate
    model or a mart. One pass over the model, however many text columns it has.
-#}
{% test no_email_addresses(model) %}
    {%- set text_columns = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(model) if column.is_string() -%}
            {%- do text_columns.append(adapter.quote(column.name)) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if text_columns %}
        select
            case
                {% for column in text_columns -%}
                    when {{ column }} like '%@%' then '{{ column }}'
                {% endfor -%}
            end as column_name,
            coalesce(
                {% for column in text_columns -%}
                    case when {{ column }} like '%@%' then {{ column }} end{{ "," if not loop.last }}
                {% endfor -%}
            ) as column_value
        from {{ model }}
        where
            {% for column in text_columns -%}
                {{ column }} like '%@%'{{ " or" if not loop.last }}
            {% endfor %}
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as column_name,
            cast(null as {{ dbt.type_string() }}) as column_value
        where 1 = 0
    {%- endif %}
{% endtest %}
