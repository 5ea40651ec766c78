{#-
    order_source shopify reads the tables of one connector (docs/sources.md#shopify-connector):
    Fivetran's (shopify/order, refund, order_line_refund, order_adjustment) or Airbyte's streams
    (shopify/orders, order_refunds). shopify_connector() says which one holds rows - 'fivetran',
    'airbyte', or none when neither does (or while dbt parses) - and stops the run, naming the raw
    directories, when both do: the same orders from two connectors would be counted twice, or
    deduplicated across raw tables that audit.raw_row_accounting counts separately (docs/decisions.md).
-#}
{% macro shopify_connector() %}
    {% if not execute %}{{ return(none) }}{% endif %}
    {% set tables = {
        'fivetran': ['order', 'refund', 'order_line_refund', 'order_adjustment'],
        'airbyte': ['orders', 'order_refunds'],
    } %}
    {% set found = {} %}
    {% for connector, names in tables.items() %}
        {% set with_rows = [] %}
        {% for name in names %}
            {% set node = source('shopify', name) %}
            {% set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.identifier) %}
            {% if relation is not none
                  and run_query('select count(*) from (select 1 as one from ' ~ relation ~ ' limit 1) as any_row').columns[0].values()[0] > 0 %}
                {% do with_rows.append(var('raw_data_dir') ~ '/shopify/' ~ name) %}
            {% endif %}
        {% endfor %}
        {% if with_rows %}{% do found.update({connector: with_rows}) %}{% endif %}
    {% endfor %}
    {% if found | length > 1 %}
        {{ exceptions.raise_compiler_error(
            "order_source shopify: both Fivetran's tables (" ~ (found['fivetran'] | join(', '))
            ~ ") and Airbyte's streams (" ~ (found['airbyte'] | join(', '))
            ~ ") hold rows. Read one connector per store: move the other's directories out of the raw store. "
            ~ "See docs/sources.md#shopify-connector.") }}
    {% endif %}
    {{ return((found.keys() | list | first) if found else none) }}
{% endmacro %}


{#- A connector order's status and quarantine reason, the same for Fivetran's table and Airbyte's
    stream: a cancelled order is `cancelled` whatever was paid; otherwise the payment status maps
    through seeds/order_statuses.csv (`statuses`). Deleted rows, then test orders, then an unmapped
    or pending payment of a live order are quarantined (docs/decisions.md). Both read the calling
    model's `statuses` CTE (the seed rows of source_system shopify) joined on the payment status. -#}
{% macro shopify_order_status(typed) %}
    case
        when {{ typed }}.cancelled_at is not null then 'cancelled'
        else coalesce(statuses.status, {{ typed }}.financial_status)
    end
{% endmacro %}


{% macro shopify_order_quarantine_reason(typed, is_deleted) %}
    case
        when {{ is_deleted }} then 'deleted_row'
        when {{ typed }}.is_test then 'test_order'
        when {{ typed }}.cancelled_at is null then statuses.quarantine_reason
    end
{% endmacro %}
