{#-
    True when `date_expression` lies in the `days` days ending on `window_end` (window_end itself
    included), and at least `settle_days` days before it (0: any day of the window).
-#}
{% macro within_days_before(date_expression, window_end, days, settle_days=0) -%}
    {{ date_expression }} <= cast({{ dbt.dateadd('day', -settle_days, window_end) }} as date)
    and {{ date_expression }} > cast({{ dbt.dateadd('day', -days, window_end) }} as date)
{%- endmacro %}
