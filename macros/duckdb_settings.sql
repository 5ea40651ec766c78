{#-
    DuckDB settings from the environment (docs/configuration.md: Environment), applied to the whole database at the
    start of every run; an unset variable keeps DuckDB's default. memory_limit lives in profiles.yml
    (it has a project default). Other engines: nothing to do.
-#}
{% macro apply_engine_settings() %}
    {{ return(adapter.dispatch('apply_engine_settings', 'customer_levels')()) }}
{% endmacro %}


{% macro default__apply_engine_settings() %}
    {{ return('') }}
{% endmacro %}


{% macro duckdb__apply_engine_settings() %}
    {% set threads = env_var('CUSTOMER_LEVELS_DUCKDB_THREADS', '') %}
    {% set temp_directory = env_var('CUSTOMER_LEVELS_DUCKDB_TEMP_DIRECTORY', '') %}
    {% set insertion_order = env_var('CUSTOMER_LEVELS_DUCKDB_PRESERVE_INSERTION_ORDER', '') | lower %}
    {% set statements = [] %}
    {% if threads %}
        {% if not threads.isdigit() or threads | int < 1 %}
            {{ exceptions.raise_compiler_error(
                "CUSTOMER_LEVELS_DUCKDB_THREADS must be a whole number of at least 1, got '" ~ threads ~ "'") }}
        {% endif %}
        {% do statements.append('set global threads = ' ~ threads) %}
    {% endif %}
    {% if temp_directory %}
        {% do statements.append("set global temp_directory = '" ~ (temp_directory | replace("'", "''")) ~ "'") %}
    {% endif %}
    {% if insertion_order %}
        {% if insertion_order not in ('true', 'false') %}
            {{ exceptions.raise_compiler_error(
                "CUSTOMER_LEVELS_DUCKDB_PRESERVE_INSERTION_ORDER must be true or false, got '"
                ~ insertion_order ~ "'") }}
        {% endif %}
        {% do statements.append('set global preserve_insertion_order = ' ~ insertion_order) %}
    {% endif %}
    {% if execute %}
        {% for statement in statements %}
            {% do run_query(statement) %}
            {% do log('duckdb: ' ~ statement, info=true) %}
        {% endfor %}
    {% endif %}
    {{ return('') }}
{% endmacro %}
