-- GENERATED from infra/clickhouse/migrations by packages/clickhouse/src/cluster.ts.
-- Do not edit; change the single-node migration and regenerate:
--   node_modules/.bin/tsx packages/clickhouse/src/cluster.ts

CREATE TABLE IF NOT EXISTS {{db}}.alert_rules_local ON CLUSTER '{cluster}' (
  tenant_id LowCardinality(String),
  rule_id UUID,
  rule String,
  deleted UInt8,
  version UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version)
ORDER BY (tenant_id, rule_id)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.alert_rules ON CLUSTER '{cluster}' AS {{db}}.alert_rules_local
ENGINE = Distributed('{cluster}', {{db}}, alert_rules_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS {{db}}.alert_events_local ON CLUSTER '{cluster}' (
  tenant_id LowCardinality(String),
  rule_id UUID,
  group_key String,
  incident_seq UInt32,
  state LowCardinality(String),
  alert_id UUID,
  at DateTime64(3, 'UTC'),
  evaluator String,
  payload String
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (tenant_id, rule_id, group_key, incident_seq, state)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.alert_events ON CLUSTER '{cluster}' AS {{db}}.alert_events_local
ENGINE = Distributed('{cluster}', {{db}}, alert_events_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS {{db}}.alert_deliveries_local ON CLUSTER '{cluster}' (
  tenant_id LowCardinality(String),
  alert_id UUID,
  state LowCardinality(String),
  channel LowCardinality(String),
  outcome LowCardinality(String),
  attempts UInt32,
  at DateTime64(3, 'UTC'),
  detail String
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (tenant_id, alert_id, state, channel, at);

CREATE TABLE IF NOT EXISTS {{db}}.alert_deliveries ON CLUSTER '{cluster}' AS {{db}}.alert_deliveries_local
ENGINE = Distributed('{cluster}', {{db}}, alert_deliveries_local, cityHash64(tenant_id));
