import { defineConfig } from 'prisma/config';

// Prisma 7 reads the connection from here, not from schema.prisma. Only the CLI uses this file
// (`prisma migrate deploy` in production, `prisma generate` everywhere); the app builds its own
// client from config/config.ts.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/greenroom' },
});
