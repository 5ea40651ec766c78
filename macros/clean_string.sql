{#- Trimmed text, with blanks as null: exports mix '' and null for "no value". -#}
{% macro clean_string(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}
