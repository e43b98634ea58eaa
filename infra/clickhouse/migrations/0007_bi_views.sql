-- More BI views (version 1, docs/bi.md): referral rate, CLV inputs, IQS, feedback reply rate
-- and complaint resolution time. Same rules as 0006_bi_views.sql: UTC buckets, the additive
-- counts and sums kept beside every ratio, numbers as the query API computes them (checked
-- against the API in services/query/src/query.integration.test.ts), and a view that
-- aggregates a table with a matching projection groups by exactly what the projection groups
-- by, so ClickHouse reads the projection (projections.integration.test.ts).

-- Referral rate per UTC calendar month, from the raw lifecycle events the way
-- bi_churn_monthly_v1 reads them (each event fanned out to its month and every later one up to
-- the newest event's month). Active during the month = active at its start or became active in
-- it; a referrer counts when it referred someone in the month and was active during it.
CREATE VIEW IF NOT EXISTS {{db}}.bi_referral_monthly_v1 AS
SELECT
  tenant_id,
  month,
  countIf(active_start OR activated_in) AS active_customers,
  countIf(referred_in AND (active_start OR activated_in)) AS referrers,
  if(active_customers = 0, NULL, referrers / active_customers * 100) AS referral_pct
FROM (
  SELECT
    tenant_id,
    month,
    customer_id,
    argMaxIf(type, (occurred_at, event_id), type IN ('customer.signed_up', 'customer.churned', 'customer.reactivated') AND occurred_at < month_start) IN ('customer.signed_up', 'customer.reactivated') AS active_start,
    countIf(type IN ('customer.signed_up', 'customer.reactivated') AND occurred_at >= month_start) > 0 AS activated_in,
    countIf(type = 'customer.referred' AND occurred_at >= month_start) > 0 AS referred_in
  FROM (
    SELECT tenant_id, customer_id, type, occurred_at, event_id, month,
      toDateTime64(month, 3, 'UTC') AS month_start
    FROM {{db}}.customer_events_v2
    ARRAY JOIN arrayMap(
      i -> addMonths(toStartOfMonth(occurred_at), i),
      range(toUInt64(dateDiff('month', toStartOfMonth(occurred_at),
        (SELECT toStartOfMonth(max(occurred_at)) FROM {{db}}.customer_events_v2)) + 1))
    ) AS month
    WHERE type IN ('customer.signed_up', 'customer.churned', 'customer.reactivated', 'customer.referred')
  )
  GROUP BY tenant_id, month, customer_id
)
GROUP BY tenant_id, month;

-- CLV inputs per UTC month and currency (amounts are never summed across currencies). No
-- dimension columns: purchasing_customers is a distinct count, which cannot be added up across
-- rows (nor across months), so each row is one whole month. The CLV itself also needs the
-- churn-based lifespan: combine with bi_churn_monthly_v1, or use the query API.
CREATE VIEW IF NOT EXISTS {{db}}.bi_clv_inputs_monthly_v1 AS
SELECT
  tenant_id,
  toDate(toStartOfMonth(occurred_at)) AS month,
  toString(currency) AS currency,
  sum(revenue) AS revenue,
  count() AS purchases,
  uniqExact(customer_id) AS purchasing_customers,
  if(purchases = 0, NULL, toFloat64(revenue) / purchases) AS average_purchase_value,
  if(purchasing_customers = 0, NULL, purchases / purchasing_customers) AS purchases_per_customer
FROM {{db}}.customer_events_v2
WHERE type = 'customer.purchase'
GROUP BY tenant_id, toStartOfMonth(occurred_at), currency;

-- IQS per UTC day and dimension, from the daily projection p_1d of qa_reviews_v2.
CREATE VIEW IF NOT EXISTS {{db}}.bi_iqs_daily_v1 AS
SELECT
  tenant_id,
  toDate(toStartOfDay(occurred_at)) AS day,
  channel, agent, team, product, region, segment,
  count() AS reviews,
  sum(iqs) AS iqs_sum,
  sum(iqs * iqs) AS iqs_sum_sq,
  if(reviews = 0, NULL, iqs_sum / reviews) AS iqs_mean
FROM {{db}}.qa_reviews_v2
GROUP BY tenant_id, toStartOfDay(occurred_at), channel, agent, team, product, region, segment;

-- Feedback reply rate per UTC day (of the survey response) and dimension: survey responses
-- with a comment, and those an agent reply (ticket.agent_replied with feedback_event_id) answered,
-- whenever the reply came. Reads raw survey rows: whether one response was answered is a
-- per-event fact no projection holds. GLOBAL IN: on a cluster the replies of a tenant may be
-- read from any shard's Distributed table (a plain IN of a Distributed table is refused there).
CREATE VIEW IF NOT EXISTS {{db}}.bi_feedback_reply_daily_v1 AS
SELECT
  tenant_id,
  toDate(toStartOfDay(occurred_at)) AS day,
  channel, agent, team, product, region, segment, survey_id,
  count() AS feedback_items,
  countIf((tenant_id, event_id) GLOBAL IN (
    SELECT tenant_id, assumeNotNull(feedback_event_id) FROM {{db}}.ticket_events_v2
    WHERE type = 'ticket.agent_replied' AND feedback_event_id IS NOT NULL
  )) AS replied,
  if(feedback_items = 0, NULL, replied / feedback_items * 100) AS reply_rate_pct
FROM {{db}}.survey_events_v2
WHERE type = 'survey.response' AND has_comment = 1
GROUP BY tenant_id, toStartOfDay(occurred_at), channel, agent, team, product, region, segment, survey_id;

-- Complaint resolution time per UTC day (of the ticket's last resolve) and channel (the
-- ticket's, as bi_ticket_kpis_daily_v1): resolved tickets flagged as a complaint or ever
-- escalated, last resolve − creation, from the per-ticket state projection p_ticket. Median
-- and p90 (type 7) hold for the row's day and channel only.
CREATE VIEW IF NOT EXISTS {{db}}.bi_complaint_resolution_daily_v1 AS
SELECT
  tenant_id,
  toDate(last_resolved_time) AS day,
  channel,
  count() AS complaints_resolved,
  sum(seconds) AS resolution_sum_seconds,
  resolution_sum_seconds / complaints_resolved AS resolution_mean_seconds,
  quantileExactInclusive(0.5)(seconds) AS resolution_median_seconds,
  quantileExactInclusive(0.9)(seconds) AS resolution_p90_seconds
FROM (
  SELECT tenant_id, last_resolved_time, channel,
    dateDiff('millisecond', created_time, last_resolved_time) / 1000 AS seconds
  FROM (
    SELECT tenant_id, ticket_id,
      minIfOrNull(occurred_at, type = 'ticket.created') AS created_time,
      maxIfOrNull(occurred_at, type = 'ticket.resolved') AS last_resolved_time,
      maxIfOrNull(occurred_at, type = 'ticket.reopened') AS last_reopened_time,
      countIf(type = 'ticket.escalated') AS escalations,
      max(complaint) AS is_complaint,
      toString(argMinIf(`dimensions.channel`, (type != 'ticket.created', occurred_at), `dimensions.channel` != '')) AS channel
    FROM {{db}}.ticket_events_v2 GROUP BY tenant_id, ticket_id
  )
  WHERE created_time IS NOT NULL AND last_resolved_time IS NOT NULL
    AND (last_reopened_time IS NULL OR last_reopened_time < last_resolved_time)
    AND last_resolved_time >= created_time
    AND (is_complaint = 1 OR escalations > 0)
)
GROUP BY tenant_id, day, channel;
