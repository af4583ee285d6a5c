// Schemas for SDK API key management.
import { Type } from '@sinclair/typebox'
import { Nullable, Timestamp, Uuid } from './common.ts'

const keyFields = {
  id: Uuid('API key id'),
  name: Type.String({ description: 'Label chosen at creation' }),
  key_prefix: Type.String({ description: 'Always pk_live_' }),
  last_four: Type.String({ description: 'Last four characters of the key' }),
  created_at: Timestamp('When the key was created')
}

export const ApiKey = Type.Object({
  ...keyFields,
  last_used_at: Nullable(Timestamp('Last use'), 'Last time the key authenticated a request (updated every few seconds)')
}, { $id: 'ApiKey', description: 'An API key as listed (the key itself is never shown again)' })

export const CreatedApiKey = Type.Object({
  ...keyFields,
  key: Type.String({ pattern: '^pk_live_[0-9a-f]{32}$', description: 'The full key: shown exactly once, store it now' })
}, { $id: 'CreatedApiKey', description: 'A new API key, with the full key shown once' })

export const CreateApiKeyBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, description: 'Label for the key' })
}, { $id: 'CreateApiKeyBody', description: 'New API key' })
