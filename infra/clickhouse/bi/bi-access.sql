-- Read-only BI access for a ClickHouse SERVER (the embedded engine has no users).
-- Run once per database as an admin, with {{db}} replaced by the database name (backquoted),
-- then once per tenant the statements of bi-tenant-user.sql.
--
-- Tenant isolation: a BI user is named bi_<tenant_id> and holds the role cxpulse_bi_reader;
-- the row policies below let that role see only rows whose tenant_id is the user's own.
-- Because a table with any row policy hides all its rows from users no policy names,
-- cxpulse_rows_all keeps every other user (the pipeline's own) seeing everything.
-- The _v1 views run with the reader's rights (SQL SECURITY INVOKER, the default), so the
-- policies on the tables under them filter the views too.

CREATE ROLE IF NOT EXISTS cxpulse_bi_reader;

CREATE SETTINGS PROFILE IF NOT EXISTS cxpulse_bi_profile SETTINGS
  readonly = 1 CONST,
  max_execution_time = 60,
  max_result_rows = 1000000,
  max_memory_usage = 4000000000
TO cxpulse_bi_reader;

GRANT SELECT ON {{db}}.bi_csat_daily_v1 TO cxpulse_bi_reader;
GRANT SELECT ON {{db}}.bi_csat_hourly_v1 TO cxpulse_bi_reader;
GRANT SELECT ON {{db}}.bi_nps_daily_v1 TO cxpulse_bi_reader;
GRANT SELECT ON {{db}}.bi_nps_hourly_v1 TO cxpulse_bi_reader;
GRANT SELECT ON {{db}}.bi_ces_daily_v1 TO cxpulse_bi_reader;
GRANT SELECT ON {{db}}.bi_ces_hourly_v1 TO cxpulse_bi_reader;
GRANT SELECT ON {{db}}.bi_ticket_kpis_daily_v1 TO cxpulse_bi_reader;
GRANT SELECT ON {{db}}.bi_churn_monthly_v1 TO cxpulse_bi_reader;
GRANT SELECT ON {{db}}.bi_referral_monthly_v1 TO cxpulse_bi_reader;
GRANT SELECT ON {{db}}.bi_clv_inputs_monthly_v1 TO cxpulse_bi_reader;
GRANT SELECT ON {{db}}.bi_iqs_daily_v1 TO cxpulse_bi_reader;
GRANT SELECT ON {{db}}.bi_feedback_reply_daily_v1 TO cxpulse_bi_reader;
GRANT SELECT ON {{db}}.bi_complaint_resolution_daily_v1 TO cxpulse_bi_reader;
-- The tables the views read (needed with SQL SECURITY INVOKER; row policies apply to them,
-- and to their aggregate projections, which keep tenant_id).
GRANT SELECT ON {{db}}.survey_events_v2 TO cxpulse_bi_reader;
GRANT SELECT ON {{db}}.ticket_events_v2 TO cxpulse_bi_reader;
GRANT SELECT ON {{db}}.customer_events_v2 TO cxpulse_bi_reader;
GRANT SELECT ON {{db}}.qa_reviews_v2 TO cxpulse_bi_reader;

CREATE ROW POLICY IF NOT EXISTS cxpulse_bi_tenant ON {{db}}.survey_events_v2, {{db}}.ticket_events_v2, {{db}}.customer_events_v2, {{db}}.qa_reviews_v2
  FOR SELECT USING tenant_id = substring(currentUser(), 4) AND startsWith(currentUser(), 'bi_')
  AS RESTRICTIVE TO cxpulse_bi_reader;

CREATE ROW POLICY IF NOT EXISTS cxpulse_rows_all ON {{db}}.survey_events_v2, {{db}}.ticket_events_v2, {{db}}.customer_events_v2, {{db}}.qa_reviews_v2
  FOR SELECT USING 1 TO ALL;
