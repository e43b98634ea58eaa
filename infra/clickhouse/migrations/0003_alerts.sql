-- Alert rules and the alert lifecycle (services/alerter/README.md).
--
-- Rules are versioned rows: the newest version of (tenant_id, rule_id) wins; deleting writes
-- a version with deleted = 1, so a tenant that ever had rules is not given defaults again.
CREATE TABLE IF NOT EXISTS {{db}}.alert_rules (
  tenant_id LowCardinality(String),
  rule_id UUID,
  rule String,
  deleted UInt8,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, rule_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- One row per transition of one incident: (rule, group, incident_seq) fires once and resolves
-- once. Every alerter instance that decides the same transition inserts it with the same
-- deduplication token, so ClickHouse keeps exactly one row; its `evaluator` names the
-- instance whose insert won, and only that instance delivers it.
CREATE TABLE IF NOT EXISTS {{db}}.alert_events (
  tenant_id LowCardinality(String),
  rule_id UUID,
  group_key String,
  incident_seq UInt32,
  state LowCardinality(String),
  alert_id UUID,
  at DateTime64(3, 'UTC'),
  evaluator String,
  payload String
) ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, rule_id, group_key, incident_seq, state)
SETTINGS non_replicated_deduplication_window = 10000;

-- What was delivered where, and what went to the dead-letter record after the last retry.
CREATE TABLE IF NOT EXISTS {{db}}.alert_deliveries (
  tenant_id LowCardinality(String),
  alert_id UUID,
  state LowCardinality(String),
  channel LowCardinality(String),
  outcome LowCardinality(String),
  attempts UInt32,
  at DateTime64(3, 'UTC'),
  detail String
) ENGINE = MergeTree
ORDER BY (tenant_id, alert_id, state, channel, at);
