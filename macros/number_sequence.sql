{#- A subquery of the integers 0 .. 10^digit_count - 1 in column `number`, in ANSI SQL (spines). -#}
{% macro number_sequence(digit_count) -%}
    (
        select
            {% for position in range(digit_count) -%}
                {{ 10 ** position }} * digits_{{ position }}.digit{{ " + " if not loop.last }}
            {%- endfor %} as number
        from
            {% for position in range(digit_count) -%}
                (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as digits_{{ position }} (digit)
                {{- "," if not loop.last }}
            {% endfor %}
    )
{%- endmacro %}
