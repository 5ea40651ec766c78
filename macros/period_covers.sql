{#-
    True when the period `period` (a table alias with valid_from and valid_to, [valid_from,
    valid_to), valid_to null = still current: int_level_periods) holds on `date_expression`.
-#}
{% macro period_covers(period, date_expression) -%}
    {{ period }}.valid_from <= {{ date_expression }}
    and ({{ period }}.valid_to is null or {{ period }}.valid_to > {{ date_expression }})
{%- endmacro %}
