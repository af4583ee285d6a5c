// Contract rows for users and API keys (see contract.ts).

export type Role = 'user' | 'admin' | 'guest'

export interface UserView {
  id: string
  email: string | null
  display_name: string | null
  role: Role
  disabled: boolean
  created_at: string
}

export interface ApiKeyView {
  id: string
  name: string
  key_prefix: string
  last_four: string
  created_at: string
  last_used_at: string | null
}

export interface ApiKeyOwner { keyId: string, userId: string }
