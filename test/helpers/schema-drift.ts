import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import pg from 'pg';

/**
 * Compares what schema.prisma declares with what the migrations actually built, table by table:
 * columns (type, precision, nullability, default present), enums, primary keys, unique and plain
 * indexes, foreign keys. Prisma's own `migrate diff` needs a native engine we cannot download here;
 * this reads Prisma's DMMF (WebAssembly) and PostgreSQL's catalog instead.
 */
export interface SchemaShape {
  tables: Record<string, Record<string, string>>;
  enums: Record<string, string[]>;
  indexes: string[];
  foreignKeys: string[];
}

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object';
  type: string;
  isList: boolean;
  isRequired: boolean;
  isUpdatedAt?: boolean;
  hasDefaultValue: boolean;
  default?: unknown;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
}
interface DmmfModel {
  name: string;
  dbName?: string | null;
  fields: DmmfField[];
}
interface Dmmf {
  datamodel: {
    models: DmmfModel[];
    enums: { name: string; dbName?: string | null; values: { name: string; dbName?: string | null }[] }[];
    indexes: { model: string; type: 'id' | 'unique' | 'normal' | 'fulltext'; fields: { name: string }[] }[];
  };
}

const require = createRequire(import.meta.url);

export async function expectedShape(schemaPath: string): Promise<SchemaShape> {
  const wasm = require('@prisma/prisma-schema-wasm') as { get_dmmf(params: string): string };
  const prismaSchema = await readFile(schemaPath, 'utf8');
  const dmmf = JSON.parse(wasm.get_dmmf(JSON.stringify({ prismaSchema }))) as Dmmf;
  const models = new Map(dmmf.datamodel.models.map((m) => [m.name, m]));
  const tableOf = (m: DmmfModel) => m.dbName ?? m.name;
  const columnOf = (m: DmmfModel, field: string) => {
    const f = m.fields.find((x) => x.name === field)!;
    return f.dbName ?? f.name;
  };
  const enumNames = new Map(dmmf.datamodel.enums.map((e) => [e.name, e.dbName ?? e.name]));

  const tables: SchemaShape['tables'] = {};
  const foreignKeys: string[] = [];
  for (const model of dmmf.datamodel.models) {
    const columns: Record<string, string> = {};
    for (const f of model.fields) {
      if (f.kind === 'object') {
        if (f.relationFromFields?.length) {
          const target = models.get(f.type)!;
          foreignKeys.push(
            `${tableOf(model)}(${f.relationFromFields.map((x) => columnOf(model, x)).join(',')}) -> ` +
              `${tableOf(target)}(${f.relationToFields!.map((x) => columnOf(target, x)).join(',')}) ` +
              `on delete ${(f.relationOnDelete ?? 'SetNull').toLowerCase()}`,
          );
        }
        continue;
      }
      const type = f.kind === 'enum' ? enumNames.get(f.type)! : scalarType(f);
      columns[f.dbName ?? f.name] = describeColumn(
        f.isList ? `${type}[]` : type,
        !f.isRequired,
        hasDatabaseDefault(f),
      );
    }
    tables[tableOf(model)] = columns;
  }
  const indexes = dmmf.datamodel.indexes
    .filter((i) => i.type !== 'fulltext')
    .map((i) => {
      const model = models.get(i.model)!;
      const kind = i.type === 'id' ? 'primary' : i.type === 'unique' ? 'unique' : 'index';
      return `${tableOf(model)} ${kind} (${i.fields.map((f) => columnOf(model, f.name)).join(',')})`;
    });
  const enums = Object.fromEntries(
    dmmf.datamodel.enums.map((e) => [e.dbName ?? e.name, e.values.map((v) => v.dbName ?? v.name)]),
  );
  return { tables, enums, indexes: indexes.sort(), foreignKeys: foreignKeys.sort() };
}

function scalarType(f: DmmfField): string {
  const native = f.nativeType;
  switch (f.type) {
    case 'String':
      if (native?.[0] === 'VarChar') return `character varying(${native[1][0] ?? ''})`;
      if (native?.[0] === 'Uuid') return 'uuid';
      return 'text';
    case 'Int':
      return 'integer';
    case 'BigInt':
      return 'bigint';
    case 'Float':
      return 'double precision';
    case 'Decimal':
      return 'numeric';
    case 'Boolean':
      return 'boolean';
    case 'Json':
      return native?.[0] === 'Json' ? 'json' : 'jsonb';
    case 'Bytes':
      return 'bytea';
    case 'DateTime':
      if (native?.[0] === 'Date') return 'date';
      if (native?.[0] === 'Timestamptz') return `timestamp with time zone(${native[1][0] ?? '6'})`;
      return `timestamp without time zone(${native?.[1][0] ?? '3'})`;
    default:
      throw new Error(`schema-drift: map the Prisma type ${f.type} to PostgreSQL here`);
  }
}

/** Prisma generates cuid/uuid/nanoid defaults in the client; everything else is a database default. */
function hasDatabaseDefault(f: DmmfField): boolean {
  if (!f.hasDefaultValue) return false;
  const d = f.default as { name?: string } | undefined;
  return !(d && typeof d === 'object' && d.name && ['cuid', 'uuid', 'nanoid', 'ulid'].includes(d.name));
}

function describeColumn(type: string, nullable: boolean, hasDefault: boolean): string {
  return `${type}${nullable ? ' null' : ' not null'}${hasDefault ? ' default' : ''}`;
}

export async function actualShape(databaseUrl: string): Promise<SchemaShape> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const columns = await client.query<{
      table_name: string;
      column_name: string;
      data_type: string;
      udt_name: string;
      is_nullable: 'YES' | 'NO';
      column_default: string | null;
      datetime_precision: number | null;
      character_maximum_length: number | null;
    }>(`SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, datetime_precision,
               character_maximum_length
          FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`);
    const tables: SchemaShape['tables'] = {};
    for (const c of columns.rows) {
      let type = c.data_type;
      if (type === 'USER-DEFINED') type = c.udt_name;
      else if (type === 'ARRAY') type = `${c.udt_name.replace(/^_/, '')}[]`;
      else if (type.startsWith('timestamp')) type = `${type}(${c.datetime_precision})`;
      else if (type === 'character varying') type = `${type}(${c.character_maximum_length ?? ''})`;
      (tables[c.table_name] ??= {})[c.column_name] = describeColumn(
        type,
        c.is_nullable === 'YES',
        c.column_default !== null,
      );
    }
    const enumRows = await client.query<{ name: string; value: string }>(
      `SELECT t.typname AS name, e.enumlabel AS value FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
        JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' ORDER BY t.typname, e.enumsortorder`,
    );
    const enums: SchemaShape['enums'] = {};
    for (const r of enumRows.rows) (enums[r.name] ??= []).push(r.value);

    const indexRows = await client.query<{
      table: string;
      primary: boolean;
      unique: boolean;
      columns: string;
    }>(
      `SELECT t.relname AS table, ix.indisprimary AS primary, ix.indisunique AS unique,
              string_agg(a.attname, ',' ORDER BY k.ord) AS columns
         FROM pg_index ix
         JOIN pg_class t ON t.oid = ix.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
        WHERE n.nspname = 'public' AND t.relname <> '_prisma_migrations'
        GROUP BY t.relname, ix.indexrelid, ix.indisprimary, ix.indisunique`,
    );
    const indexes = indexRows.rows
      .map((r) => `${r.table} ${r.primary ? 'primary' : r.unique ? 'unique' : 'index'} (${r.columns})`)
      .sort();

    const fkRows = await client.query<{ def: string }>(
      `SELECT format('%s(%s) -> %s(%s) on delete %s', c.conrelid::regclass,
                (SELECT string_agg(attname, ',' ORDER BY ord) FROM unnest(c.conkey) WITH ORDINALITY k(n, ord)
                   JOIN pg_attribute ON attrelid = c.conrelid AND attnum = k.n),
                c.confrelid::regclass,
                (SELECT string_agg(attname, ',' ORDER BY ord) FROM unnest(c.confkey) WITH ORDINALITY k(n, ord)
                   JOIN pg_attribute ON attrelid = c.confrelid AND attnum = k.n),
                CASE c.confdeltype WHEN 'a' THEN 'noaction' WHEN 'r' THEN 'restrict' WHEN 'c' THEN 'cascade'
                                   WHEN 'n' THEN 'setnull' WHEN 'd' THEN 'setdefault' END) AS def
         FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE c.contype = 'f' AND n.nspname = 'public'`,
    );
    return { tables, enums, indexes, foreignKeys: fkRows.rows.map((r) => r.def.replace(/"/g, '')).sort() };
  } finally {
    await client.end();
  }
}
