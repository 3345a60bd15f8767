import { defineConfig } from 'drizzle-kit';

// The PostgreSQL mirror (db/schema-pg) and its migrations; the SQLite ones stay in drizzle.config.ts.
// Paths are relative to the project root, where npm run db:generate:pg runs.
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema-pg/index.ts',
  out: './db/migrations-pg',
});
