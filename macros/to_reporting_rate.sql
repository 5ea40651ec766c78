{#-
    Rate that converts an amount in `currency_column` into var('reporting_currency'), given the
    matching fx_rates rate (null when the seed has none, which a test reports). The reporting
    currency itself needs no seed row.
-#}
{% macro to_reporting_rate(currency_column, seed_rate_column) -%}
    case
        when {{ currency_column }} = '{{ var("reporting_currency") }}' then 1
        else {{ seed_rate_column }}
    end
{%- endmacro %}
