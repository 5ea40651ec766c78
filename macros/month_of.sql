{#- First day of the month of a date or timestamp, as a date: the `month` key of every mart. -#}
{% macro month_of(expression) -%}
    cast({{ dbt.date_trunc('month', expression) }} as date)
{%- endmacro %}
