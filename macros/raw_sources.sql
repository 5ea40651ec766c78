{#-
    Raw data is Parquet under var('raw_data_dir'), one sub-directory per source (docs/sources.md).
    Before anything runs, every source table declared with meta.raw_dir becomes a view in its
    source schema, so models read raw data only through source(). The view has exactly the contract
    columns (extra file columns are ignored, absent nullable columns are typed nulls) plus the file
    and row each record came from. A missing or empty directory gives an empty, typed view; a file
    set lacking a required column stops the run with a message naming the source and the column.
-#}
{% macro create_raw_source_views() %}
    {{ return(adapter.dispatch('create_raw_source_views', 'customer_levels')()) }}
{% endmacro %}


{% macro default__create_raw_source_views() %}
    {{ exceptions.raise_compiler_error(
        "create_raw_source_views has no implementation for adapter '" ~ adapter.type() ~ "'") }}
{% endmacro %}


{% macro raw_source_tables() %}
    {% set tables = [] %}
    {% for node in graph.sources.values() %}
        {% if node.package_name == project_name and node.meta.get('raw_dir') %}
            {% do tables.append(node) %}
        {% endif %}
    {% endfor %}
    {{ return(tables | sort(attribute='unique_id')) }}
{% endmacro %}


{% macro raw_column_is_required(column) %}
    {{ return(column.meta.get('required', true)) }}
{% endmacro %}


{% macro duckdb__create_raw_source_views() %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% for source in raw_source_tables() %}
        {% set directory = var('raw_data_dir') ~ '/' ~ source.meta['raw_dir'] %}
        {% set pattern = (directory ~ '/**/*.parquet') | replace("'", "''") %}
        {% set file_count = run_query("select count(*) from glob('" ~ pattern ~ "')").columns[0].values()[0] %}
        {% set relation = api.Relation.create(database=source.database, schema=source.schema, identifier=source.identifier) %}
        {% do run_query('create schema if not exists ' ~ relation.without_identifier()) %}

        {% if file_count == 0 %}
            {% set columns_sql = [] %}
            {% for column in source.columns.values() %}
                {% do columns_sql.append('cast(null as ' ~ column.data_type ~ ') as ' ~ column.name) %}
            {% endfor %}
            {% set body %}
                select
                    {{ columns_sql | join(',\n') }},
                    cast(null as varchar) as _source_file,
                    cast(null as bigint) as _source_row_number
                where 1 = 0
            {% endset %}
        {% else %}
            {% set reader %}
                read_parquet('{{ pattern }}', union_by_name = true, hive_partitioning = false,
                             filename = '_source_file', file_row_number = true)
            {% endset %}
            {% set present = run_query('describe select * from ' ~ reader).columns[0].values() | map('lower') | list %}
            {% set missing_required = [] %}
            {% set columns_sql = [] %}
            {% for column in source.columns.values() %}
                {% if column.name | lower in present %}
                    {% do columns_sql.append(adapter.quote(column.name)) %}
                {% elif raw_column_is_required(column) %}
                    {% do missing_required.append(column.name) %}
                {% else %}
                    {% do columns_sql.append('cast(null as ' ~ column.data_type ~ ') as ' ~ column.name) %}
                {% endif %}
            {% endfor %}
            {% if missing_required %}
                {{ exceptions.raise_compiler_error(
                    "Raw source '" ~ source.source_name ~ "." ~ source.name ~ "' (" ~ directory ~ "/, "
                    ~ file_count ~ " Parquet files): required column(s) missing from every file: "
                    ~ (missing_required | join(', ')) ~ ". See docs/sources.md (the raw-data contract).") }}
            {% endif %}
            {% set body %}
                select
                    {{ columns_sql | join(',\n') }},
                    _source_file,
                    file_row_number as _source_row_number
                from {{ reader }}
            {% endset %}
        {% endif %}
        {% do run_query('create or replace view ' ~ relation ~ ' as ' ~ body) %}
        {% do log('raw source ' ~ relation ~ ': ' ~ file_count ~ ' Parquet files under ' ~ directory, info=true) %}
    {% endfor %}
    {{ return('') }}
{% endmacro %}


{#-
    Spark: an external Parquet table with the contract's schema over each source directory (so a
    missing or empty directory reads as no rows and absent nullable columns as nulls), then the
    view the models read, with the file and row of each record from Spark's _metadata column.
    Required columns are checked against the schema Spark infers from the files.
-#}
{% macro spark__create_raw_source_views() %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% for source in raw_source_tables() %}
        {% set directory = var('raw_data_dir') ~ '/' ~ source.meta['raw_dir'] %}
        {% set files_table = source.schema ~ '.' ~ source.identifier ~ '__files' %}
        {% set columns_ddl = [] %}
        {% for column in source.columns.values() %}
            {% do columns_ddl.append(column.name ~ ' ' ~ column.data_type) %}
        {% endfor %}
        {% do run_query('create database if not exists ' ~ source.schema) %}
        {% do run_query('drop table if exists ' ~ files_table) %}
        {% do run_query(
            'create table ' ~ files_table ~ ' (' ~ (columns_ddl | join(', ')) ~ ') using parquet '
            ~ "options (path '" ~ directory ~ "', recursiveFileLookup 'true')") %}
        {% set row_count = run_query('select count(*) from ' ~ files_table).columns[0].values()[0] %}
        {% if row_count > 0 %}
            {# a column present in any file counts: merge the files' schemas, not just the first one's #}
            {% do run_query('set spark.sql.parquet.mergeSchema=true') %}
            {% set present = run_query(
                'describe select * from parquet.`' ~ directory ~ '`').columns[0].values() | map('lower') | list %}
            {% do run_query('set spark.sql.parquet.mergeSchema=false') %}
            {% set missing_required = [] %}
            {% for column in source.columns.values() %}
                {% if column.name | lower not in present and raw_column_is_required(column) %}
                    {% do missing_required.append(column.name) %}
                {% endif %}
            {% endfor %}
            {% if missing_required %}
                {{ exceptions.raise_compiler_error(
                    "Raw source '" ~ source.source_name ~ "." ~ source.name ~ "' (" ~ directory
                    ~ "/): required column(s) missing from every file: "
                    ~ (missing_required | join(', ')) ~ ". See docs/sources.md (the raw-data contract).") }}
            {% endif %}
        {% endif %}
        {% set body %}
            select
                {% for column in source.columns.values() -%}
                    {{ column.name }},
                {% endfor -%}
                _metadata.file_path as _source_file,
                _metadata.row_index as _source_row_number
            from {{ files_table }}
        {% endset %}
        {% do run_query('create or replace view ' ~ source.schema ~ '.' ~ source.identifier ~ ' as ' ~ body) %}
        {% do log('raw source ' ~ source.schema ~ '.' ~ source.identifier ~ ': ' ~ row_count
                  ~ ' rows under ' ~ directory, info=true) %}
    {% endfor %}
    {{ return('') }}
{% endmacro %}
