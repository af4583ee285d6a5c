// Schemas for accounts: registration, login, the signed-in user, admin views.
import { Type, type Static } from '@sinclair/typebox'
import { Nullable, Timestamp, Uuid } from './common.ts'

export const RoleEnum = Type.Union([Type.Literal('user'), Type.Literal('admin'), Type.Literal('guest')], { description: 'user, admin or guest' })

export const Me = Type.Object({
  id: Uuid('User id'),
  email: Nullable(Type.String(), 'Email (null for guests)'),
  display_name: Nullable(Type.String(), 'Display name'),
  role: RoleEnum
}, { $id: 'Me', description: 'The signed-in user' })

export const User = Type.Object({
  id: Uuid('User id'),
  email: Nullable(Type.String(), 'Email (null for guests)'),
  display_name: Nullable(Type.String(), 'Display name'),
  role: RoleEnum,
  disabled: Type.Boolean({ description: 'A disabled user cannot sign in; their tokens and API keys stop working' }),
  created_at: Timestamp('When the account was created')
}, { $id: 'User', description: 'A user account as administrators see it' })

export const AuthResponse = Type.Object({
  token: Type.String({ description: 'JWT to send as Authorization: Bearer <token>' }),
  user: Type.Ref(Me)
}, { $id: 'AuthResponse', description: 'A signed token and its user' })

export const RegisterBody = Type.Object({
  email: Type.String({ format: 'email', maxLength: 254, description: 'Email address (unique)' }),
  password: Type.String({ minLength: 8, maxLength: 200, description: 'At least 8 characters' }),
  display_name: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100 }), 'Name shown to others'))
}, { $id: 'RegisterBody', description: 'New account' })

export const LoginBody = Type.Object({
  email: Type.String({ minLength: 1, maxLength: 254, description: 'Email address' }),
  password: Type.String({ minLength: 1, maxLength: 200, description: 'Password' })
}, { $id: 'LoginBody', description: 'Credentials' })

export const UserPatch = Type.Object({
  role: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('admin')], { description: 'New role' })),
  disabled: Type.Optional(Type.Boolean({ description: 'Disable or re-enable the account' }))
}, { $id: 'UserPatch', description: 'Changes to a user' })

export const Stats = Type.Object({
  users: Type.Integer({ description: 'Total users' }),
  personas: Type.Integer({ description: 'Total personas' }),
  sessions: Type.Integer({ description: 'Total chat sessions' }),
  messages: Type.Integer({ description: 'Total chat messages' }),
  last_24h: Type.Object({
    users: Type.Integer({ description: 'Users created in the last 24 h' }),
    sessions: Type.Integer({ description: 'Sessions started in the last 24 h' }),
    messages: Type.Integer({ description: 'Messages in the last 24 h' }),
    turns: Type.Integer({ description: 'Conversation turns in the last 24 h' }),
    llm_tokens_in: Type.Integer({ description: 'LLM prompt tokens in the last 24 h' }),
    llm_tokens_out: Type.Integer({ description: 'LLM completion tokens in the last 24 h' }),
    speculation_wasted_tokens_in: Type.Integer({ description: 'Part of llm_tokens_in spent on speculative replies that were discarded (estimated)' }),
    speculation_wasted_tokens_out: Type.Integer({ description: 'Part of llm_tokens_out spent on speculative replies that were discarded' })
  }, { description: 'Activity in the last 24 hours' })
}, { $id: 'Stats', description: 'Service statistics' })

export const Pagination = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size (≤ 100)' }),
  offset: Type.Integer({ minimum: 0, default: 0, description: 'Items to skip' })
})

export type RegisterBodyT = Static<typeof RegisterBody>
