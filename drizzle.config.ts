// drizzle-kit settings for SQLite: schema in db/schema.ts, SQL migrations committed under db/migrations (PostgreSQL: drizzle-pg.config.ts).
import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'sqlite',
  schema: './db/schema.ts',
  out: './db/migrations',
  dbCredentials: { url: process.env.DATABASE_URL ?? './data/rapport.db' }
})
