-- Raw event tables: one row per counted event, written only by the processor.
-- Partitioned by event month so late events land (and are re-aggregated) in their own month.
-- non_replicated_deduplication_window makes insert_deduplication_token work on a single node:
-- the processor replays an unfinished batch with the same token and ClickHouse drops what
-- already landed. The window counts blocks; a replay only needs the most recent few per
-- Kafka partition, so 10000 leaves a wide margin.
-- kafka_topic/partition/offset say where each row came from: the processor's event_id dedup
-- excludes a replayed batch's own offset range, and tests use them as a ledger.

CREATE TABLE IF NOT EXISTS {{db}}.survey_responses (
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
) ENGINE = MergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant_id, occurred_at, kind, event_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.ticket_events (
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
) ENGINE = MergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant_id, occurred_at, ticket_id, event_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- Every customer.* event (signed_up, churned, reactivated, purchase, referred): the lifecycle
-- history that active-at-instant, churn, CRR and referral rate are computed from with
-- argMax at query time.
CREATE TABLE IF NOT EXISTS {{db}}.customer_events (
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
) ENGINE = MergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant_id, occurred_at, type, customer_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- customer.purchase events again, with the money: amounts are exact decimals and are only
-- ever summed per currency.
CREATE TABLE IF NOT EXISTS {{db}}.purchases (
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
) ENGINE = MergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant_id, occurred_at, currency, customer_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- criteria as parallel arrays; iqs = Σ wᵢ·sᵢ / Σ wᵢ is computed once, by the processor.
CREATE TABLE IF NOT EXISTS {{db}}.qa_reviews (
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
) ENGINE = MergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant_id, occurred_at, event_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- Per-partition progress of the processor (the ClickHouse Kafka Connect sink's state machine):
-- 'before' is written before a batch [min_offset, max_offset] is inserted, 'after' once every
-- insert of it succeeded. version = 2·max_offset (+1 for 'after') only grows, so a stale
-- writer (a consumer that lost the partition) can never overwrite newer progress.
CREATE TABLE IF NOT EXISTS {{db}}.processor_progress (
  consumer_group String,
  topic String,
  partition UInt32,
  min_offset UInt64,
  max_offset UInt64,
  state Enum8('before' = 1, 'after' = 2),
  version UInt64,
  updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(version)
ORDER BY (consumer_group, topic, partition);
