{#-
    Money divided by a count, rounded half up to the cent, identically on every engine: DuckDB
    divides decimals in floating point and Spark in decimals, so `cast(total / n as decimal(18, 2))`
    could differ by a cent on a half (2386.35 / 18 = 132.575). Works in whole cents instead.
-#}
{% macro money_per(amount, count) -%}
    cast(
        floor((2 * round(({{ amount }}) * 100) + {{ count }}) / (2.0 * {{ count }})) / 100.0
        as decimal(18, 2)
    )
{%- endmacro %}
