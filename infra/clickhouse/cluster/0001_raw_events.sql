-- GENERATED from infra/clickhouse/migrations by packages/clickhouse/src/cluster.ts.
-- Do not edit; change the single-node migration and regenerate:
--   node_modules/.bin/tsx packages/clickhouse/src/cluster.ts

CREATE TABLE IF NOT EXISTS {{db}}.survey_responses_local ON CLUSTER '{cluster}' (
  tenant_id LowCardinality(String),
  event_id UUID,
  occurred_at DateTime64(3, 'UTC'),
  received_at DateTime64(3, 'UTC'),
  schema_version UInt16,
  customer_id String,
  kind LowCardinality(String),
  score Int32,
  scale_min Int32,
  scale_max Int32,
  positive_min Nullable(Int32),
  orientation LowCardinality(String),
  survey_id String,
  ticket_id String,
  comment String,
  has_comment UInt8,
  is_positive UInt8,
  norm_score Float64,
  nps_category LowCardinality(String),
  low_effort UInt8,
  channel LowCardinality(String),
  agent LowCardinality(String),
  team LowCardinality(String),
  product LowCardinality(String),
  region LowCardinality(String),
  segment LowCardinality(String),
  locale LowCardinality(String),
  kafka_topic LowCardinality(String),
  kafka_partition UInt32,
  kafka_offset UInt64,
  inserted_at DateTime64(3, 'UTC') DEFAULT now64(3),
  INDEX idx_event_id event_id TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant_id, occurred_at, kind, event_id)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.survey_responses ON CLUSTER '{cluster}' AS {{db}}.survey_responses_local
ENGINE = Distributed('{cluster}', {{db}}, survey_responses_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS {{db}}.ticket_events_local ON CLUSTER '{cluster}' (
  tenant_id LowCardinality(String),
  event_id UUID,
  type LowCardinality(String),
  occurred_at DateTime64(3, 'UTC'),
  received_at DateTime64(3, 'UTC'),
  schema_version UInt16,
  customer_id String,
  ticket_id String,
  complaint UInt8,
  queue_wait_seconds Nullable(Float64),
  feedback_event_id Nullable(UUID),
  channel LowCardinality(String),
  agent LowCardinality(String),
  team LowCardinality(String),
  product LowCardinality(String),
  region LowCardinality(String),
  segment LowCardinality(String),
  locale LowCardinality(String),
  kafka_topic LowCardinality(String),
  kafka_partition UInt32,
  kafka_offset UInt64,
  inserted_at DateTime64(3, 'UTC') DEFAULT now64(3),
  INDEX idx_event_id event_id TYPE bloom_filter GRANULARITY 4,
  INDEX idx_ticket_id ticket_id TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant_id, occurred_at, ticket_id, event_id)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.ticket_events ON CLUSTER '{cluster}' AS {{db}}.ticket_events_local
ENGINE = Distributed('{cluster}', {{db}}, ticket_events_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS {{db}}.customer_events_local ON CLUSTER '{cluster}' (
  tenant_id LowCardinality(String),
  event_id UUID,
  type LowCardinality(String),
  occurred_at DateTime64(3, 'UTC'),
  received_at DateTime64(3, 'UTC'),
  schema_version UInt16,
  customer_id String,
  referred_customer_id String,
  channel LowCardinality(String),
  agent LowCardinality(String),
  team LowCardinality(String),
  product LowCardinality(String),
  region LowCardinality(String),
  segment LowCardinality(String),
  locale LowCardinality(String),
  kafka_topic LowCardinality(String),
  kafka_partition UInt32,
  kafka_offset UInt64,
  inserted_at DateTime64(3, 'UTC') DEFAULT now64(3),
  INDEX idx_event_id event_id TYPE bloom_filter GRANULARITY 4,
  INDEX idx_customer_id customer_id TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant_id, occurred_at, type, customer_id)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.customer_events ON CLUSTER '{cluster}' AS {{db}}.customer_events_local
ENGINE = Distributed('{cluster}', {{db}}, customer_events_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS {{db}}.purchases_local ON CLUSTER '{cluster}' (
  tenant_id LowCardinality(String),
  event_id UUID,
  occurred_at DateTime64(3, 'UTC'),
  received_at DateTime64(3, 'UTC'),
  customer_id String,
  amount Decimal(38, 6),
  currency LowCardinality(String),
  gross_margin Nullable(Float64),
  channel LowCardinality(String),
  product LowCardinality(String),
  region LowCardinality(String),
  segment LowCardinality(String),
  kafka_topic LowCardinality(String),
  kafka_partition UInt32,
  kafka_offset UInt64,
  inserted_at DateTime64(3, 'UTC') DEFAULT now64(3),
  INDEX idx_event_id event_id TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant_id, occurred_at, currency, customer_id)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.purchases ON CLUSTER '{cluster}' AS {{db}}.purchases_local
ENGINE = Distributed('{cluster}', {{db}}, purchases_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS {{db}}.qa_reviews_local ON CLUSTER '{cluster}' (
  tenant_id LowCardinality(String),
  event_id UUID,
  occurred_at DateTime64(3, 'UTC'),
  received_at DateTime64(3, 'UTC'),
  schema_version UInt16,
  customer_id String,
  review_id String,
  ticket_id String,
  criteria_names Array(String),
  criteria_scores Array(Float64),
  criteria_weights Array(Float64),
  iqs Float64,
  channel LowCardinality(String),
  agent LowCardinality(String),
  team LowCardinality(String),
  product LowCardinality(String),
  region LowCardinality(String),
  segment LowCardinality(String),
  locale LowCardinality(String),
  kafka_topic LowCardinality(String),
  kafka_partition UInt32,
  kafka_offset UInt64,
  inserted_at DateTime64(3, 'UTC') DEFAULT now64(3),
  INDEX idx_event_id event_id TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant_id, occurred_at, event_id)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.qa_reviews ON CLUSTER '{cluster}' AS {{db}}.qa_reviews_local
ENGINE = Distributed('{cluster}', {{db}}, qa_reviews_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS {{db}}.processor_progress_local ON CLUSTER '{cluster}' (
  consumer_group String,
  topic String,
  partition UInt32,
  min_offset UInt64,
  max_offset UInt64,
  state Enum8('before' = 1, 'after' = 2),
  version UInt64,
  updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version)
ORDER BY (consumer_group, topic, partition);

CREATE TABLE IF NOT EXISTS {{db}}.processor_progress ON CLUSTER '{cluster}' AS {{db}}.processor_progress_local
ENGINE = Distributed('{cluster}', {{db}}, processor_progress_local, cityHash64(consumer_group));
