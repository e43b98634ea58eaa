-- A fixture for the runner's own tests.
CREATE TABLE IF NOT EXISTS {{db}}.widgets (
  id UInt32,
  tenant_id String,
  name String,
  created_at DateTime64(3, 'UTC')
) ENGINE = MergeTree ORDER BY (tenant_id, id)
SETTINGS non_replicated_deduplication_window = 1000;
