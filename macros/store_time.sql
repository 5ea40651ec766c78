{#-
    Days, months and cohorts are taken in the store's own time zone (var store_timezone, an IANA
    name such as 'Australia/Sydney'), while timestamps stay UTC. to_store_time turns a UTC
    timestamp into the store's wall-clock time (daylight saving included); store_date takes its date.
-#}
{% macro to_store_time(utc_timestamp) %}
    {%- if var('store_timezone') == 'UTC' -%}
        {{ utc_timestamp }}
    {%- else -%}
        {{ return(adapter.dispatch('to_store_time', 'customer_levels')(utc_timestamp, var('store_timezone'))) }}
    {%- endif -%}
{% endmacro %}

{% macro default__to_store_time(utc_timestamp, timezone) -%}
    from_utc_timestamp({{ utc_timestamp }}, '{{ timezone }}')
{%- endmacro %}

{% macro duckdb__to_store_time(utc_timestamp, timezone) -%}
    timezone('{{ timezone }}', timezone('UTC', {{ utc_timestamp }}))
{%- endmacro %}

{% macro store_date(utc_timestamp) -%}
    cast({{ to_store_time(utc_timestamp) }} as date)
{%- endmacro %}
