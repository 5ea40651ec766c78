{#-
    Reading the nested columns tools export (GA4's event_params: a list of key + value structs).
    Engine-specific spellings of the same operation, named for what they do.
-#}

{#- The `value_field` of the first element of a key/value list whose key is `key` (null when absent). -#}
{% macro list_value_for_key(list_column, key, value_field) %}
    {{ return(adapter.dispatch('list_value_for_key', 'customer_levels')(list_column, key, value_field)) }}
{% endmacro %}


{% macro default__list_value_for_key(list_column, key, value_field) %}
    try_element_at(filter({{ list_column }}, param -> param.key = '{{ key }}'), 1).value.{{ value_field }}
{% endmacro %}


{#- An index into the list, found among its keys alone: a filter copies every matching struct, and
    GA4's ten parameter lookups a row did so 2.5 times slower at 10M events (docs/decisions.md). -#}
{% macro duckdb__list_value_for_key(list_column, key, value_field) %}
    {{ list_column }}[list_position(list_transform({{ list_column }}, lambda param: param.key), '{{ key }}')].value.{{ value_field }}
{% endmacro %}


{#- A timestamp (UTC) from microseconds since the Unix epoch (GA4's event_timestamp). -#}
{% macro timestamp_from_epoch_micros(column) %}
    {{ return(adapter.dispatch('timestamp_from_epoch_micros', 'customer_levels')(column)) }}
{% endmacro %}


{% macro default__timestamp_from_epoch_micros(column) %}
    timestamp_micros({{ column }})
{% endmacro %}


{% macro duckdb__timestamp_from_epoch_micros(column) %}
    make_timestamp({{ column }})
{% endmacro %}


{#- The path of a URL: https://shop.example/products/x?utm_source=y -> /products/x (null when none). -#}
{% macro url_path(column) %}
    {{ return(adapter.dispatch('url_path', 'customer_levels')(column)) }}
{% endmacro %}


{% macro default__url_path(column) %}
    nullif(regexp_extract({{ column }}, '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*([^?#]*)', 1), '')
{% endmacro %}


{#- A YYYYMMDD text date (GA4's event_date, its table suffix) as a date. -#}
{% macro date_from_yyyymmdd(column) %}
    {{ dbt.safe_cast(dbt.concat([
        'substr(' ~ column ~ ', 1, 4)', "'-'", 'substr(' ~ column ~ ', 5, 2)', "'-'", 'substr(' ~ column ~ ', 7, 2)'
    ]), 'date') }}
{% endmacro %}


{#- A SQL list of quoted strings: ('a', 'b'); ('') for an empty list, which matches nothing real. -#}
{% macro sql_string_list(values) %}
    {% set quoted = [] %}
    {% for value in values %}
        {% do quoted.append("'" ~ (value | replace("'", "''")) ~ "'") %}
    {% endfor %}
    {{ return('(' ~ ((quoted | join(', ')) if quoted else "''") ~ ')') }}
{% endmacro %}


{#- Whether a GA4 raw file was exported from an intraday table (events_intraday_YYYYMMDD), else from
    a daily one: the BigQuery table a file was exported from is in its path (docs/sources.md). -#}
{% macro ga4_is_intraday_file(path_column) %}
    (lower({{ path_column }}) like '%events_intraday_%')
{% endmacro %}


{#- The days (event_date, cleaned) GA4's daily export holds in the raw store, as a query: one narrow
    scan of two columns of the raw files. Read by base_ga4__events (an intraday row of such a day is
    a copy) and stg_ga4__superseded_drafts (the incremental pre-hook), each reading the files itself
    so that a staging view selected alone still runs (docs/decisions.md). -#}
{% macro ga4_daily_export_days() %}
    select distinct {{ clean_string('event_date') }} as event_date
    from {{ source('ga4', 'events') }}
    where
        not {{ ga4_is_intraday_file('_source_file') }}
        and {{ clean_string('event_date') }} is not null
{% endmacro %}
