// Examples for accounts, API keys, health and admin operations: a registered player, a guest, a game's API key.
import { type OperationExamples, USER_TOKEN, GUEST_TOKEN } from './types.ts'

export const accountsExamples: Record<string, OperationExamples> = {
  healthz: {
    response: { status: 'ok' }
  },
  readyz: {
    response: { status: 'ok' }
  },
  register: {
    request: { email: 'sam.rivera@example.com', password: 'correct horse battery staple', display_name: 'Sam Rivera' },
    response: { token: USER_TOKEN, user: { id: 'a82824e5-4f66-4b8c-95e3-0ea353670106', email: 'sam.rivera@example.com', display_name: 'Sam Rivera', role: 'user' } }
  },
  login: {
    request: { email: 'sam.rivera@example.com', password: 'correct horse battery staple' },
    response: { token: USER_TOKEN, user: { id: 'a82824e5-4f66-4b8c-95e3-0ea353670106', email: 'sam.rivera@example.com', display_name: 'Sam Rivera', role: 'user' } }
  },
  createGuest: {
    response: { token: GUEST_TOKEN, user: { id: 'c583f347-b7d3-4f7a-bfbc-a9f9f58b2d39', email: null, display_name: 'Guest', role: 'guest' } }
  },
  getMe: {
    response: { id: 'a82824e5-4f66-4b8c-95e3-0ea353670106', email: 'sam.rivera@example.com', display_name: 'Sam Rivera', role: 'user' }
  },
  createApiKey: {
    request: { name: 'Velvet Static (Steam build)' },
    response: { id: 'ef6e652f-c6dd-45b2-a35a-5e11b567e798', name: 'Velvet Static (Steam build)', key_prefix: 'pk_live_', last_four: 'cdef', created_at: '2026-12-01T16:38:58.256Z', key: 'pk_live_0123456789abcdef0123456789abcdef' }
  },
  listApiKeys: {
    response: [{ id: 'ef6e652f-c6dd-45b2-a35a-5e11b567e798', name: 'Velvet Static (Steam build)', key_prefix: 'pk_live_', last_four: 'cdef', created_at: '2026-12-01T16:38:58.256Z', last_used_at: null }]
  },
  migrateProgress: {
    request: { old_session_id: 'c583f347-b7d3-4f7a-bfbc-a9f9f58b2d39' },
    response: { sessions_moved: 1, progress_moved: 0 }
  },
  sdkValidateLlmKey: {
    request: {},
    response: { valid: true, model: 'gpt-4o-mini', error: null }
  },
  adminListUsers: {
    response: [{ id: 'a82824e5-4f66-4b8c-95e3-0ea353670106', email: 'sam.rivera@example.com', display_name: 'Sam Rivera', role: 'user', disabled: false, created_at: '2026-12-01T16:38:57.901Z' }, { id: 'c583f347-b7d3-4f7a-bfbc-a9f9f58b2d39', email: null, display_name: 'Guest', role: 'guest', disabled: false, created_at: '2026-12-01T16:38:58.179Z' }, { id: '6513006b-7ba1-4c3a-abc4-883507af074c', email: 'admin@example.com', display_name: 'Margo', role: 'admin', disabled: false, created_at: '2026-12-01T16:39:01.411Z' }]
  },
  adminUpdateUser: {
    request: { disabled: true },
    response: { id: 'a82824e5-4f66-4b8c-95e3-0ea353670106', email: 'sam.rivera@example.com', display_name: 'Sam Rivera', role: 'user', disabled: true, created_at: '2026-12-01T16:38:57.901Z' }
  },
  adminStats: {
    response: { users: 3, personas: 1, sessions: 2, messages: 8, last_24h: { users: 3, sessions: 2, messages: 8, turns: 6, llm_tokens_in: 5236, llm_tokens_out: 332, speculation_wasted_tokens_in: 0, speculation_wasted_tokens_out: 0 } }
  },
  adminGetMaintenance: {
    response: { enabled: false, source: null, message: null, retry_after: 60, updated_at: null }
  },
  adminSetMaintenance: {
    request: { enabled: false, message: 'Back in 10 minutes: upgrading the database.' },
    response: { enabled: false, source: null, message: 'Back in 10 minutes: upgrading the database.', retry_after: 60, updated_at: '2026-12-01T16:39:01.559Z' }
  }
}
