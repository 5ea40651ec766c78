{#-
    Helpers of the order tools' staging (models/staging/orders_file, shopify_csv, shopify): text
    from exports and spreadsheets into the contract's types. Engine-specific parts are dispatched.
-#}

{#- A timestamp written as text, in UTC. Text ending in an offset (Z, +01:00, -0500, Shopify's
    "2024-03-10 01:30:00 -0500") is converted by that offset; text without one is wall-clock time in
    `timezone` (IANA). `timestamp_format` (strftime-style, as DuckDB's strptime takes it) reads text
    that is not ISO 8601; null = ISO. Unreadable text is null (the base model quarantines it). -#}
{% macro text_to_utc_timestamp(value, timezone, timestamp_format=none) %}
    {{ return(adapter.dispatch('text_to_utc_timestamp', 'customer_levels')(value, timezone, timestamp_format)) }}
{% endmacro %}

{% macro duckdb__text_to_utc_timestamp(value, timezone, timestamp_format) -%}
    case
        when regexp_matches(trim({{ value }}), '(Z|[+-][0-9]{2}:?[0-9]{2})$')
            then timezone('UTC', try_cast(
                regexp_replace(trim({{ value }}), '\s*([+-][0-9]{2}):?([0-9]{2})$', '\1:\2') as timestamptz))
        else timezone('UTC', timezone('{{ timezone }}',
            {%- if timestamp_format %}
                coalesce(try_strptime(trim({{ value }}), '{{ timestamp_format }}'), try_cast(trim({{ value }}) as timestamp))
            {%- else %}
                try_cast(trim({{ value }}) as timestamp)
            {%- endif %}))
    end
{%- endmacro %}

{#- Spark: the session time zone is UTC (profiles.yml); the strftime format is translated to
    Spark's datetime pattern for the codes spreadsheets use. try_to_timestamp, not to_timestamp:
    Spark's ANSI mode (the default from Spark 4) stops the query on unreadable text, where the
    contract wants a null the base model quarantines (DuckDB's try_cast / try_strptime). -#}
{% macro spark__text_to_utc_timestamp(value, timezone, timestamp_format) -%}
    {%- set codes = {'%Y': 'yyyy', '%y': 'yy', '%m': 'MM', '%d': 'dd', '%H': 'HH', '%I': 'hh', '%M': 'mm',
                     '%S': 'ss', '%p': 'a', '%b': 'MMM', '%B': 'MMMM', '%f': 'SSSSSS'} -%}
    {%- set pattern = namespace(text=timestamp_format or '') -%}
    {%- for code, java in codes.items() -%}
        {%- set pattern.text = pattern.text | replace(code, java) -%}
    {%- endfor -%}
    case
        when trim({{ value }}) rlike '(Z|[+-][0-9]{2}:?[0-9]{2})$'
            then try_to_timestamp(regexp_replace(trim({{ value }}), '\\s*([+-][0-9]{2}):?([0-9]{2})$', '$1:$2'))
        else to_utc_timestamp(
            {%- if timestamp_format %}
                coalesce(try_to_timestamp(trim({{ value }}), '{{ pattern.text }}'), try_to_timestamp(trim({{ value }})))
            {%- else %}
                try_to_timestamp(trim({{ value }}))
            {%- endif %}, '{{ timezone }}')
    end
{%- endmacro %}


{#- A number written as text (a plain decimal: '.' as the decimal point, no thousands separator),
    null when it is not one. -#}
{% macro text_to_decimal(value, data_type='decimal(18, 4)') %}
    {{ return(adapter.dispatch('text_to_decimal', 'customer_levels')(value, data_type)) }}
{% endmacro %}

{% macro duckdb__text_to_decimal(value, data_type) -%}
    try_cast(trim(cast({{ value }} as varchar)) as {{ data_type }})
{%- endmacro %}

{% macro spark__text_to_decimal(value, data_type) -%}
    try_cast(trim(cast({{ value }} as string)) as {{ data_type }})
{%- endmacro %}
