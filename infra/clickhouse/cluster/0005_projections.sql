-- GENERATED from infra/clickhouse/migrations by packages/clickhouse/src/cluster.ts.
-- Do not edit; change the single-node migration and regenerate:
--   node_modules/.bin/tsx packages/clickhouse/src/cluster.ts

CREATE TABLE IF NOT EXISTS {{db}}.survey_events_v2_local ON CLUSTER '{cluster}' (
  tenant_id LowCardinality(String),
  event_id UUID,
  type LowCardinality(String),
  occurred_at DateTime64(3, 'UTC'),
  received_at DateTime64(3, 'UTC'),
  schema_version UInt16,
  customer_id String,
  kind LowCardinality(String),
  score Int32,
  scale_min Int32 DEFAULT if(kind = 'nps', 0, 1),
  scale_max Int32 DEFAULT multiIf(kind = 'csat', 5, kind = 'nps', 10, kind = 'ces', 7, 0),
  positive_min Nullable(Int32),
  orientation LowCardinality(String) DEFAULT if(kind = 'ces', 'agreement', ''),
  survey_id String,
  ticket_id String,
  comment String,
  `dimensions.channel` LowCardinality(String),
  `dimensions.agent` LowCardinality(String),
  `dimensions.team` LowCardinality(String),
  `dimensions.product` LowCardinality(String),
  `dimensions.region` LowCardinality(String),
  `dimensions.segment` LowCardinality(String),
  `dimensions.locale` LowCardinality(String),
  kafka_topic LowCardinality(String),
  kafka_partition UInt32,
  kafka_offset UInt64,
  kafka_index UInt32,
  inserted_at DateTime64(3, 'UTC') DEFAULT now64(3),
  channel LowCardinality(String) ALIAS `dimensions.channel`,
  agent LowCardinality(String) ALIAS `dimensions.agent`,
  team LowCardinality(String) ALIAS `dimensions.team`,
  product LowCardinality(String) ALIAS `dimensions.product`,
  region LowCardinality(String) ALIAS `dimensions.region`,
  segment LowCardinality(String) ALIAS `dimensions.segment`,
  locale LowCardinality(String) ALIAS `dimensions.locale`,
  has_comment UInt8 MATERIALIZED type = 'survey.response' AND match(comment, '[^\\t\\n\\x{0B}\\f\\r\\pZ\\x{FEFF}]'),
  is_positive UInt8 MATERIALIZED kind = 'csat' AND score >= ifNull(positive_min, scale_max - 1),
  norm_score Float64 MATERIALIZED if(type = 'survey.response', (score - scale_min) / (scale_max - scale_min) * 100, 0),
  nps_category LowCardinality(String) MATERIALIZED multiIf(kind != 'nps', '', score >= 9, 'promoter', score >= 7, 'passive', 'detractor'),
  low_effort UInt8 MATERIALIZED kind = 'ces' AND if(orientation = 'effort', 3 * (score - scale_min) <= scale_max - scale_min, 3 * (score - scale_min) >= 2 * (scale_max - scale_min)),
  CONSTRAINT event_id CHECK event_id != toUUID('00000000-0000-0000-0000-000000000000'),
  CONSTRAINT tenant_id CHECK tenant_id != '',
  CONSTRAINT customer_id CHECK customer_id != '',
  CONSTRAINT occurred_at CHECK occurred_at >= toDateTime64('2000-01-01 00:00:00', 3, 'UTC'),
  CONSTRAINT type CHECK type IN ('survey.response', 'survey.sent'),
  CONSTRAINT kind CHECK type = 'survey.sent' OR kind IN ('csat', 'nps', 'ces'),
  CONSTRAINT scale_max CHECK type = 'survey.sent' OR (kind, scale_min, scale_max) IN (
    ('csat', 1, 5), ('csat', 1, 7), ('csat', 1, 10), ('nps', 0, 10),
    ('ces', 1, 5), ('ces', 1, 7), ('ces', 1, 10)),
  CONSTRAINT score CHECK type = 'survey.sent' OR score BETWEEN scale_min AND scale_max,
  CONSTRAINT positive_min CHECK positive_min IS NULL OR (kind = 'csat' AND positive_min BETWEEN scale_min AND scale_max),
  CONSTRAINT orientation CHECK if(kind = 'ces', orientation IN ('agreement', 'effort'), orientation = ''),
  CONSTRAINT survey_id CHECK type = 'survey.response' OR survey_id != '',
  PROJECTION p_1m (
    SELECT tenant_id, type, kind, toStartOfMinute(occurred_at), orientation, scale_min, scale_max,
      `dimensions.channel`, `dimensions.agent`, `dimensions.team`, `dimensions.product`,
      `dimensions.region`, `dimensions.segment`, survey_id,
      count(), sum(is_positive), sum(norm_score), sum(norm_score * norm_score),
      countIf(nps_category = 'promoter'), countIf(nps_category = 'passive'), countIf(nps_category = 'detractor'),
      sum(score), sum(toInt64(score) * score), sum(low_effort), sum(has_comment)
    GROUP BY tenant_id, type, kind, toStartOfMinute(occurred_at), orientation, scale_min, scale_max,
      `dimensions.channel`, `dimensions.agent`, `dimensions.team`, `dimensions.product`,
      `dimensions.region`, `dimensions.segment`, survey_id
  ),
  PROJECTION p_1h (
    SELECT tenant_id, type, kind, toStartOfHour(occurred_at), orientation, scale_min, scale_max,
      `dimensions.channel`, `dimensions.agent`, `dimensions.team`, `dimensions.product`,
      `dimensions.region`, `dimensions.segment`, survey_id,
      count(), sum(is_positive), sum(norm_score), sum(norm_score * norm_score),
      countIf(nps_category = 'promoter'), countIf(nps_category = 'passive'), countIf(nps_category = 'detractor'),
      sum(score), sum(toInt64(score) * score), sum(low_effort), sum(has_comment)
    GROUP BY tenant_id, type, kind, toStartOfHour(occurred_at), orientation, scale_min, scale_max,
      `dimensions.channel`, `dimensions.agent`, `dimensions.team`, `dimensions.product`,
      `dimensions.region`, `dimensions.segment`, survey_id
  ),
  PROJECTION p_1d (
    SELECT tenant_id, type, kind, toStartOfDay(occurred_at), orientation, scale_min, scale_max,
      `dimensions.channel`, `dimensions.agent`, `dimensions.team`, `dimensions.product`,
      `dimensions.region`, `dimensions.segment`, survey_id,
      count(), sum(is_positive), sum(norm_score), sum(norm_score * norm_score),
      countIf(nps_category = 'promoter'), countIf(nps_category = 'passive'), countIf(nps_category = 'detractor'),
      sum(score), sum(toInt64(score) * score), sum(low_effort), sum(has_comment)
    GROUP BY tenant_id, type, kind, toStartOfDay(occurred_at), orientation, scale_min, scale_max,
      `dimensions.channel`, `dimensions.agent`, `dimensions.team`, `dimensions.product`,
      `dimensions.region`, `dimensions.segment`, survey_id
  ),
  INDEX idx_event_id event_id TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant_id, occurred_at, kind, event_id)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.survey_events_v2 ON CLUSTER '{cluster}' AS {{db}}.survey_events_v2_local
ENGINE = Distributed('{cluster}', {{db}}, survey_events_v2_local, cityHash64(tenant_id));

INSERT INTO {{db}}.survey_events_v2 (tenant_id, event_id, type, occurred_at, received_at, schema_version,
  customer_id, kind, score, scale_min, scale_max, positive_min, orientation, survey_id, ticket_id, comment,
  `dimensions.channel`, `dimensions.agent`, `dimensions.team`, `dimensions.product`, `dimensions.region`,
  `dimensions.segment`, `dimensions.locale`, kafka_topic, kafka_partition, kafka_offset, kafka_index, inserted_at)
SELECT tenant_id, event_id, 'survey.response', occurred_at, received_at, schema_version,
  customer_id, kind, score, scale_min, scale_max, positive_min, orientation, survey_id, ticket_id, comment,
  channel, agent, team, product, region, segment, locale, kafka_topic, kafka_partition, kafka_offset, 0, inserted_at
FROM {{db}}.survey_responses
SETTINGS insert_distributed_sync = 1;

CREATE TABLE IF NOT EXISTS {{db}}.ticket_events_v2_local ON CLUSTER '{cluster}' (
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
  `dimensions.channel` LowCardinality(String),
  `dimensions.agent` LowCardinality(String),
  `dimensions.team` LowCardinality(String),
  `dimensions.product` LowCardinality(String),
  `dimensions.region` LowCardinality(String),
  `dimensions.segment` LowCardinality(String),
  `dimensions.locale` LowCardinality(String),
  kafka_topic LowCardinality(String),
  kafka_partition UInt32,
  kafka_offset UInt64,
  kafka_index UInt32,
  inserted_at DateTime64(3, 'UTC') DEFAULT now64(3),
  channel LowCardinality(String) ALIAS `dimensions.channel`,
  agent LowCardinality(String) ALIAS `dimensions.agent`,
  team LowCardinality(String) ALIAS `dimensions.team`,
  product LowCardinality(String) ALIAS `dimensions.product`,
  region LowCardinality(String) ALIAS `dimensions.region`,
  segment LowCardinality(String) ALIAS `dimensions.segment`,
  locale LowCardinality(String) ALIAS `dimensions.locale`,
  CONSTRAINT event_id CHECK event_id != toUUID('00000000-0000-0000-0000-000000000000'),
  CONSTRAINT tenant_id CHECK tenant_id != '',
  CONSTRAINT customer_id CHECK customer_id != '',
  CONSTRAINT occurred_at CHECK occurred_at >= toDateTime64('2000-01-01 00:00:00', 3, 'UTC'),
  CONSTRAINT type CHECK type IN ('ticket.created', 'ticket.first_response', 'ticket.agent_replied',
    'ticket.customer_replied', 'ticket.resolved', 'ticket.reopened', 'ticket.escalated'),
  CONSTRAINT ticket_id CHECK ticket_id != '',
  CONSTRAINT queue_wait_seconds CHECK queue_wait_seconds IS NULL OR queue_wait_seconds BETWEEN 0 AND 2592000,
  CONSTRAINT feedback_event_id CHECK feedback_event_id IS NULL OR type = 'ticket.agent_replied',
  PROJECTION p_1h (
    SELECT tenant_id, type, toStartOfHour(occurred_at), `dimensions.channel`, `dimensions.agent`,
      `dimensions.team`, `dimensions.product`, `dimensions.region`, `dimensions.segment`,
      count(), sum(complaint), count(queue_wait_seconds), sum(queue_wait_seconds)
    GROUP BY tenant_id, type, toStartOfHour(occurred_at), `dimensions.channel`, `dimensions.agent`,
      `dimensions.team`, `dimensions.product`, `dimensions.region`, `dimensions.segment`
  ),
  PROJECTION p_1d (
    SELECT tenant_id, type, toStartOfDay(occurred_at), `dimensions.channel`, `dimensions.agent`,
      `dimensions.team`, `dimensions.product`, `dimensions.region`, `dimensions.segment`,
      count(), sum(complaint), count(queue_wait_seconds), sum(queue_wait_seconds)
    GROUP BY tenant_id, type, toStartOfDay(occurred_at), `dimensions.channel`, `dimensions.agent`,
      `dimensions.team`, `dimensions.product`, `dimensions.region`, `dimensions.segment`
  ),
  PROJECTION p_ticket (
    SELECT tenant_id, ticket_id,
      minIfOrNull(occurred_at, type = 'ticket.created'),
      minIfOrNull(occurred_at, type = 'ticket.first_response'),
      maxIfOrNull(occurred_at, type = 'ticket.resolved'),
      maxIfOrNull(occurred_at, type = 'ticket.reopened'),
      countIf(type = 'ticket.resolved'),
      countIf(type = 'ticket.reopened'),
      countIf(type = 'ticket.escalated'),
      max(complaint),
      uniqExactIf((occurred_at, `dimensions.agent`), type IN ('ticket.first_response', 'ticket.agent_replied')),
      argMinIf(`dimensions.channel`, (type != 'ticket.created', occurred_at), `dimensions.channel` != ''),
      argMinIf(`dimensions.product`, (type != 'ticket.created', occurred_at), `dimensions.product` != ''),
      argMinIf(`dimensions.region`, (type != 'ticket.created', occurred_at), `dimensions.region` != ''),
      argMinIf(`dimensions.segment`, (type != 'ticket.created', occurred_at), `dimensions.segment` != ''),
      argMinIf(`dimensions.agent`, occurred_at, type = 'ticket.first_response'),
      argMinIf(`dimensions.team`, occurred_at, type = 'ticket.first_response'),
      argMaxIf(`dimensions.agent`, occurred_at, type = 'ticket.resolved'),
      argMaxIf(`dimensions.team`, occurred_at, type = 'ticket.resolved')
    GROUP BY tenant_id, ticket_id
  ),
  INDEX idx_event_id event_id TYPE bloom_filter GRANULARITY 4,
  INDEX idx_ticket_id ticket_id TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant_id, occurred_at, ticket_id, event_id)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.ticket_events_v2 ON CLUSTER '{cluster}' AS {{db}}.ticket_events_v2_local
ENGINE = Distributed('{cluster}', {{db}}, ticket_events_v2_local, cityHash64(tenant_id));

INSERT INTO {{db}}.ticket_events_v2 (tenant_id, event_id, type, occurred_at, received_at, schema_version,
  customer_id, ticket_id, complaint, queue_wait_seconds, feedback_event_id,
  `dimensions.channel`, `dimensions.agent`, `dimensions.team`, `dimensions.product`, `dimensions.region`,
  `dimensions.segment`, `dimensions.locale`, kafka_topic, kafka_partition, kafka_offset, kafka_index, inserted_at)
SELECT tenant_id, event_id, type, occurred_at, received_at, schema_version,
  customer_id, ticket_id, complaint, queue_wait_seconds, feedback_event_id,
  channel, agent, team, product, region, segment, locale, kafka_topic, kafka_partition, kafka_offset, 0, inserted_at
FROM {{db}}.ticket_events
SETTINGS insert_distributed_sync = 1;

CREATE TABLE IF NOT EXISTS {{db}}.customer_events_v2_local ON CLUSTER '{cluster}' (
  tenant_id LowCardinality(String),
  event_id UUID,
  type LowCardinality(String),
  occurred_at DateTime64(3, 'UTC'),
  received_at DateTime64(3, 'UTC'),
  schema_version UInt16,
  customer_id String,
  referred_customer_id String,
  amount Nullable(Decimal(38, 6)),
  amount_minor Nullable(Int64),
  currency LowCardinality(String),
  gross_margin Nullable(Float64),
  `dimensions.channel` LowCardinality(String),
  `dimensions.agent` LowCardinality(String),
  `dimensions.team` LowCardinality(String),
  `dimensions.product` LowCardinality(String),
  `dimensions.region` LowCardinality(String),
  `dimensions.segment` LowCardinality(String),
  `dimensions.locale` LowCardinality(String),
  kafka_topic LowCardinality(String),
  kafka_partition UInt32,
  kafka_offset UInt64,
  kafka_index UInt32,
  inserted_at DateTime64(3, 'UTC') DEFAULT now64(3),
  channel LowCardinality(String) ALIAS `dimensions.channel`,
  agent LowCardinality(String) ALIAS `dimensions.agent`,
  team LowCardinality(String) ALIAS `dimensions.team`,
  product LowCardinality(String) ALIAS `dimensions.product`,
  region LowCardinality(String) ALIAS `dimensions.region`,
  segment LowCardinality(String) ALIAS `dimensions.segment`,
  locale LowCardinality(String) ALIAS `dimensions.locale`,
  revenue Decimal(38, 6) MATERIALIZED if(type != 'customer.purchase', toDecimal128(0, 6),
    ifNull(amount, toDecimal128(ifNull(amount_minor, 0), 6) / toDecimal128(intExp10(transform(currency,
      ['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF',
       'BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND', 'CLF', 'UYW'],
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3, 3, 3, 3, 3, 3, 4, 4], 2)), 6))),
  CONSTRAINT event_id CHECK event_id != toUUID('00000000-0000-0000-0000-000000000000'),
  CONSTRAINT tenant_id CHECK tenant_id != '',
  CONSTRAINT customer_id CHECK customer_id != '',
  CONSTRAINT occurred_at CHECK occurred_at >= toDateTime64('2000-01-01 00:00:00', 3, 'UTC'),
  CONSTRAINT type CHECK type IN ('customer.signed_up', 'customer.churned', 'customer.reactivated',
    'customer.purchase', 'customer.referred'),
  CONSTRAINT amount CHECK type != 'customer.purchase' OR ((amount IS NULL) != (amount_minor IS NULL) AND revenue > 0),
  CONSTRAINT currency CHECK type != 'customer.purchase' OR match(currency, '^[A-Z]{3}$'),
  CONSTRAINT gross_margin CHECK gross_margin IS NULL OR gross_margin BETWEEN 0 AND 1,
  INDEX idx_event_id event_id TYPE bloom_filter GRANULARITY 4,
  INDEX idx_customer_id customer_id TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant_id, occurred_at, type, customer_id)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.customer_events_v2 ON CLUSTER '{cluster}' AS {{db}}.customer_events_v2_local
ENGINE = Distributed('{cluster}', {{db}}, customer_events_v2_local, cityHash64(tenant_id));

INSERT INTO {{db}}.customer_events_v2 (tenant_id, event_id, type, occurred_at, received_at, schema_version,
  customer_id, referred_customer_id, amount, currency, gross_margin,
  `dimensions.channel`, `dimensions.agent`, `dimensions.team`, `dimensions.product`, `dimensions.region`,
  `dimensions.segment`, `dimensions.locale`, kafka_topic, kafka_partition, kafka_offset, kafka_index, inserted_at)
SELECT c.tenant_id, c.event_id, c.type, c.occurred_at, c.received_at, c.schema_version,
  c.customer_id, c.referred_customer_id,
  if(c.type = 'customer.purchase', CAST(p.amount AS Nullable(Decimal(38, 6))), NULL), p.currency, p.gross_margin,
  c.channel, c.agent, c.team, c.product, c.region, c.segment, c.locale,
  c.kafka_topic, c.kafka_partition, c.kafka_offset, 0, c.inserted_at
FROM {{db}}.customer_events AS c
LEFT JOIN {{db}}.purchases AS p ON p.tenant_id = c.tenant_id AND p.event_id = c.event_id
SETTINGS insert_distributed_sync = 1;

CREATE TABLE IF NOT EXISTS {{db}}.qa_reviews_v2_local ON CLUSTER '{cluster}' (
  tenant_id LowCardinality(String),
  event_id UUID,
  type LowCardinality(String),
  occurred_at DateTime64(3, 'UTC'),
  received_at DateTime64(3, 'UTC'),
  schema_version UInt16,
  customer_id String,
  review_id String,
  ticket_id String,
  criteria Array(Tuple(name String, score Float64, weight Float64)),
  `dimensions.channel` LowCardinality(String),
  `dimensions.agent` LowCardinality(String),
  `dimensions.team` LowCardinality(String),
  `dimensions.product` LowCardinality(String),
  `dimensions.region` LowCardinality(String),
  `dimensions.segment` LowCardinality(String),
  `dimensions.locale` LowCardinality(String),
  kafka_topic LowCardinality(String),
  kafka_partition UInt32,
  kafka_offset UInt64,
  kafka_index UInt32,
  inserted_at DateTime64(3, 'UTC') DEFAULT now64(3),
  channel LowCardinality(String) ALIAS `dimensions.channel`,
  agent LowCardinality(String) ALIAS `dimensions.agent`,
  team LowCardinality(String) ALIAS `dimensions.team`,
  product LowCardinality(String) ALIAS `dimensions.product`,
  region LowCardinality(String) ALIAS `dimensions.region`,
  segment LowCardinality(String) ALIAS `dimensions.segment`,
  locale LowCardinality(String) ALIAS `dimensions.locale`,
  iqs Float64 MATERIALIZED arraySum(c -> tupleElement(c, 'weight') * tupleElement(c, 'score'), criteria)
    / arraySum(c -> tupleElement(c, 'weight'), criteria),
  CONSTRAINT event_id CHECK event_id != toUUID('00000000-0000-0000-0000-000000000000'),
  CONSTRAINT tenant_id CHECK tenant_id != '',
  CONSTRAINT customer_id CHECK customer_id != '',
  CONSTRAINT occurred_at CHECK occurred_at >= toDateTime64('2000-01-01 00:00:00', 3, 'UTC'),
  CONSTRAINT type CHECK type = 'qa.review',
  CONSTRAINT criteria CHECK length(criteria) BETWEEN 1 AND 50
    AND arrayAll(c -> tupleElement(c, 'score') BETWEEN 0 AND 100 AND tupleElement(c, 'weight') > 0, criteria),
  PROJECTION p_1h (
    SELECT tenant_id, toStartOfHour(occurred_at), `dimensions.channel`, `dimensions.agent`,
      `dimensions.team`, `dimensions.product`, `dimensions.region`, `dimensions.segment`,
      count(), sum(iqs), sum(iqs * iqs)
    GROUP BY tenant_id, toStartOfHour(occurred_at), `dimensions.channel`, `dimensions.agent`,
      `dimensions.team`, `dimensions.product`, `dimensions.region`, `dimensions.segment`
  ),
  PROJECTION p_1d (
    SELECT tenant_id, toStartOfDay(occurred_at), `dimensions.channel`, `dimensions.agent`,
      `dimensions.team`, `dimensions.product`, `dimensions.region`, `dimensions.segment`,
      count(), sum(iqs), sum(iqs * iqs)
    GROUP BY tenant_id, toStartOfDay(occurred_at), `dimensions.channel`, `dimensions.agent`,
      `dimensions.team`, `dimensions.product`, `dimensions.region`, `dimensions.segment`
  ),
  INDEX idx_event_id event_id TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant_id, occurred_at, event_id)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.qa_reviews_v2 ON CLUSTER '{cluster}' AS {{db}}.qa_reviews_v2_local
ENGINE = Distributed('{cluster}', {{db}}, qa_reviews_v2_local, cityHash64(tenant_id));

INSERT INTO {{db}}.qa_reviews_v2 (tenant_id, event_id, type, occurred_at, received_at, schema_version,
  customer_id, review_id, ticket_id, criteria,
  `dimensions.channel`, `dimensions.agent`, `dimensions.team`, `dimensions.product`, `dimensions.region`,
  `dimensions.segment`, `dimensions.locale`, kafka_topic, kafka_partition, kafka_offset, kafka_index, inserted_at)
SELECT tenant_id, event_id, 'qa.review', occurred_at, received_at, schema_version,
  customer_id, review_id, ticket_id,
  arrayMap((n, s, w) -> (n, s, w), criteria_names, criteria_scores, criteria_weights),
  channel, agent, team, product, region, segment, locale, kafka_topic, kafka_partition, kafka_offset, 0, inserted_at
FROM {{db}}.qa_reviews
SETTINGS insert_distributed_sync = 1;

DROP VIEW IF EXISTS {{db}}.bi_csat_daily_v1 ON CLUSTER '{cluster}' SYNC;

DROP VIEW IF EXISTS {{db}}.bi_csat_hourly_v1 ON CLUSTER '{cluster}' SYNC;

DROP VIEW IF EXISTS {{db}}.bi_nps_daily_v1 ON CLUSTER '{cluster}' SYNC;

DROP VIEW IF EXISTS {{db}}.bi_nps_hourly_v1 ON CLUSTER '{cluster}' SYNC;

DROP VIEW IF EXISTS {{db}}.bi_ces_daily_v1 ON CLUSTER '{cluster}' SYNC;

DROP VIEW IF EXISTS {{db}}.bi_ces_hourly_v1 ON CLUSTER '{cluster}' SYNC;

DROP VIEW IF EXISTS {{db}}.bi_ticket_kpis_daily_v1 ON CLUSTER '{cluster}' SYNC;

DROP VIEW IF EXISTS {{db}}.bi_churn_monthly_v1 ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.survey_rollup_1m_mv ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.survey_rollup_1h_mv ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.survey_rollup_1d_mv ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.ticket_rollup_1h_mv ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.ticket_rollup_1d_mv ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.customer_rollup_1h_mv ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.customer_rollup_1d_mv ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.purchase_rollup_1h_mv ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.purchase_rollup_1d_mv ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.qa_rollup_1h_mv ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.qa_rollup_1d_mv ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.ticket_state_mv ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.survey_rollup_1m ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.survey_rollup_1m_local ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.survey_rollup_1h ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.survey_rollup_1h_local ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.survey_rollup_1d ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.survey_rollup_1d_local ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.ticket_rollup_1h ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.ticket_rollup_1h_local ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.ticket_rollup_1d ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.ticket_rollup_1d_local ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.customer_rollup_1h ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.customer_rollup_1h_local ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.customer_rollup_1d ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.customer_rollup_1d_local ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.purchase_rollup_1h ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.purchase_rollup_1h_local ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.purchase_rollup_1d ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.purchase_rollup_1d_local ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.qa_rollup_1h ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.qa_rollup_1h_local ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.qa_rollup_1d ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.qa_rollup_1d_local ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.ticket_state ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.ticket_state_local ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.survey_responses ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.survey_responses_local ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.ticket_events ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.ticket_events_local ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.customer_events ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.customer_events_local ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.purchases ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.purchases_local ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.qa_reviews ON CLUSTER '{cluster}' SYNC;

DROP TABLE IF EXISTS {{db}}.qa_reviews_local ON CLUSTER '{cluster}' SYNC;
