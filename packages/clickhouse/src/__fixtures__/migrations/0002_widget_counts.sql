CREATE TABLE IF NOT EXISTS {{db}}.widget_counts (tenant_id String, n AggregateFunction(count))
ENGINE = AggregatingMergeTree ORDER BY tenant_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.widget_counts_mv TO {{db}}.widget_counts AS
SELECT tenant_id, countState() AS n FROM {{db}}.widgets GROUP BY tenant_id;
