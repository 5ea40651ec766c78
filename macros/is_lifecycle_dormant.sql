{#-
    True when a person is dormant at a month end (int_people_lifecycle_at_month_ends): a buyer
    (level 4-6) who did not order in the month and whose latest valid order is dormant_after_days
    or more before the month end; a visitor or enquirer (level 2-3) with no web event in the
    dormant_after_days ending on it. Null (not dormant) for a buyer without a last order date.
-#}
{% macro is_lifecycle_dormant(level_number, ordered_in_month, last_order_date, last_event_date, month_end_date) -%}
    case
        when {{ level_number }} >= 4
            then
                not {{ ordered_in_month }}
                and {{ dbt.datediff(last_order_date, month_end_date, 'day') }} >= {{ var('dormant_after_days') }}
        else
            {{ last_event_date }} is null
            or {{ dbt.datediff(last_event_date, month_end_date, 'day') }} >= {{ var('dormant_after_days') }}
    end
{%- endmacro %}
