export {
  SCOPES,
  MAX_KEYS_PER_TENANT,
  hashApiKey,
  generateApiKey,
  apiKeyEntrySchema,
  apiKeyListSchema,
  createKeyStore,
  loadKeyStore,
  ApiKeyConfigError,
} from './api-keys.ts'
export type { Scope, ApiKeyEntry, AuthResult, KeyStore } from './api-keys.ts'
