// Server-wide settings kept in the database (server_settings), so every instance on the database reads the same value.
import { eq, sql } from 'drizzle-orm'
import { serverSettings } from '../../db/schema.ts'
import type { Db } from '../db.ts'
import type { SettingsRepository } from './contract.ts'

/** Reads and writes JSON values by key. */
export function createSettingsRepository (db: Db): SettingsRepository {
  const read = db.select({ value: serverSettings.value }).from(serverSettings).where(eq(serverSettings.key, sql.placeholder('key'))).prepare()
  return {
    async get<T> (key: string): Promise<T | null> {
      const row = read.get({ key })
      return row === undefined ? null : JSON.parse(row.value) as T
    },
    async set (key: string, value: unknown, now = new Date()) {
      const row = { key, value: JSON.stringify(value), updatedAt: now.toISOString() }
      db.insert(serverSettings).values(row).onConflictDoUpdate({ target: serverSettings.key, set: { value: row.value, updatedAt: row.updatedAt } }).run()
    }
  }
}
