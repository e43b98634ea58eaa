-- One BI login for one tenant. Replace {{tenant}} with the tenant id and {{password}} with a
-- generated password (for example: openssl rand -base64 24); keep the user name bi_<tenant>:
-- the row policy in bi-access.sql derives the tenant from it.

CREATE USER IF NOT EXISTS `bi_{{tenant}}` IDENTIFIED WITH sha256_password BY '{{password}}'
  DEFAULT ROLE cxpulse_bi_reader SETTINGS PROFILE 'cxpulse_bi_profile';

GRANT cxpulse_bi_reader TO `bi_{{tenant}}`;
