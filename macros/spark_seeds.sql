{#-
    Seeds on Spark: dbt-spark's own spark__load_csv_rows passes each value as a binding, and its
    session method (profiles.yml target spark) writes every binding into the SQL as '<value>', so an
    empty seed field became the string 'None' instead of a null (order_statuses.quarantine_reason:
    every Shopify order was quarantined as 'None'). This override, found first by dbt's dispatch for
    the root project, writes each value as a literal itself: null for an empty field, the value
    quoted (backslashes and quotes escaped) otherwise, cast to the column's type as dbt-spark does.
    The same SQL serves the thrift and http methods.
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {% set batch_size = get_batch_size() %}
    {% set column_override = model['config'].get('column_types', {}) %}
    {% set statements = [] %}
    {% for chunk in agate_table.rows | batch(batch_size) %}
        {% set sql %}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                    {%- set type = column_override.get(col_name, inferred_type) -%}
                    cast({{ spark_seed_literal(row[loop.index0]) }} as {{ type }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {% endset %}
        {% do adapter.add_query(sql, abridge_sql_log=True) %}
        {% if loop.index0 == 0 %}{% do statements.append(sql) %}{% endif %}
    {% endfor %}
    {#- the first statement, for the compiled file, as dbt-spark returns it -#}
    {{ return(statements[0]) }}
{% endmacro %}


{#- One seed value as a Spark SQL literal: null, or the text quoted (Spark's string literals take
    backslash escapes) for the cast to the column's type. -#}
{% macro spark_seed_literal(value) %}
    {% if value is none %}{{ return('null') }}{% endif %}
    {{ return("'" ~ (value | string | replace('\\', '\\\\') | replace("'", "\\'")) ~ "'") }}
{% endmacro %}
