import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';
import { productFiles } from './kind-branches.js';

/**
 * Finds Prisma queries in the HTTP layer (api/): a model method called on a model delegate
 * (`deps.db.referee.findMany(...)`, `db.bulkInvite.create(...)`) or a raw query or transaction
 * (`db.$queryRaw`, `db.$transaction`). Route handlers ask repositories; only repositories (and the
 * stores that are not routes) import Prisma's query surface.
 */
export interface PrismaCall {
  file: string;
  line: number;
  text: string;
}

/** Files under api/ that are not route handlers: the rate limiter's store keeps its own table. */
export const allowedFiles = ['api/shared-rate-limiter.ts'];

/** The methods a Prisma model delegate has (client extensions aside). */
const modelMethods = new Set([
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
  'findMany',
  'create',
  'createMany',
  'createManyAndReturn',
  'update',
  'updateMany',
  'updateManyAndReturn',
  'upsert',
  'delete',
  'deleteMany',
  'count',
  'aggregate',
  'groupBy',
]);
const clientMethods = /^\$(transaction|queryRaw|queryRawUnsafe|executeRaw|executeRawUnsafe|queryRawTyped)$/;

/** The model delegate names of a Prisma schema (`model BulkInvite` → `bulkInvite`). */
export function modelDelegatesOf(schema: string): Set<string> {
  const names = [...schema.matchAll(/^model\s+(\w+)\s*\{/gm)].map(
    ([, m]) => m![0]!.toLowerCase() + m!.slice(1),
  );
  return new Set(names);
}

function isPrismaCall(node: ts.Node, delegates: ReadonlySet<string>): boolean {
  // A tagged raw query: db.$queryRaw`...`
  if (ts.isTaggedTemplateExpression(node))
    return ts.isPropertyAccessExpression(node.tag) && clientMethods.test(node.tag.name.text);
  if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) return false;
  const callee = node.expression;
  if (clientMethods.test(callee.name.text)) return true;
  const owner = callee.expression;
  return (
    modelMethods.has(callee.name.text) &&
    ts.isPropertyAccessExpression(owner) &&
    delegates.has(owner.name.text)
  );
}

/** The Prisma queries in one file's source text. */
export function prismaCallsIn(file: string, source: string, delegates: ReadonlySet<string>): PrismaCall[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: PrismaCall[] = [];
  const visit = (node: ts.Node) => {
    if (isPrismaCall(node, delegates)) {
      const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
      found.push({ file, line: line + 1, text: node.getText(sf).split('\n')[0]!.slice(0, 120) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** The Prisma queries in api/ outside the allowed files, by the models of prisma/schema.prisma. */
export async function routePrismaCalls(root: string): Promise<PrismaCall[]> {
  const delegates = modelDelegatesOf(await readFile(path.join(root, 'prisma/schema.prisma'), 'utf8'));
  const files = (await productFiles(root, 'api')).filter((f) => !allowedFiles.includes(f));
  const found: PrismaCall[] = [];
  for (const file of files)
    found.push(...prismaCallsIn(file, await readFile(path.join(root, file), 'utf8'), delegates));
  return found;
}
