import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';
import { journeyKinds } from '../../domain/journey.js';

/**
 * Finds product code that branches on a journey kind's name: a kind literal compared (`===`,
 * `!==`, `==`, `!=`), matched in a `case`, listed in a Prisma `in`/`notIn` filter or an
 * `[...].includes(...)`, or picked by a `?:`. Such code is where a new kind fails silently; it
 * belongs in the kind modules (journeys/kinds/), which the registry lets everything else consult.
 */
export interface KindBranch {
  file: string;
  line: number;
  text: string;
}

const kindNames: ReadonlySet<string> = new Set(journeyKinds);

/** Where kind names may be branched on: the kind modules and the per-kind workflows themselves. */
export const allowedPlaces = ['journeys/kinds/', 'workflows/assessment/', 'workflows/reference-check/'];
/** Not product code (tests, fixtures, dependencies, generated and built output). */
const notProduct = new Set(['node_modules', 'test', 'dist', 'generated', '.data', '.git', 'coverage']);

const isKindLiteral = (node: ts.Node | undefined): boolean =>
  !!node &&
  (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) &&
  kindNames.has(node.text);

const equality = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
]);

function isBranch(node: ts.Node): boolean {
  if (ts.isBinaryExpression(node) && equality.has(node.operatorToken.kind))
    return isKindLiteral(node.left) || isKindLiteral(node.right);
  if (ts.isCaseClause(node)) return isKindLiteral(node.expression);
  if (ts.isConditionalExpression(node)) return isKindLiteral(node.whenTrue) || isKindLiteral(node.whenFalse);
  if (ts.isArrayLiteralExpression(node) && node.elements.some(isKindLiteral)) {
    const parent = node.parent;
    const filter =
      ts.isPropertyAssignment(parent) &&
      ts.isIdentifier(parent.name) &&
      (parent.name.text === 'in' || parent.name.text === 'notIn');
    const includes =
      ts.isPropertyAccessExpression(parent) && parent.expression === node && parent.name.text === 'includes';
    return filter || includes;
  }
  return false;
}

/** The kind branches in one file's source text. */
export function kindBranchesIn(file: string, source: string): KindBranch[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: KindBranch[] = [];
  const visit = (node: ts.Node) => {
    if (isBranch(node)) {
      const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
      found.push({ file, line: line + 1, text: node.getText(sf).split('\n')[0]!.slice(0, 120) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Every product TypeScript file under root (repo-relative, with forward slashes). */
export async function productFiles(root: string, dir = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, dir), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!notProduct.has(entry.name)) files.push(...(await productFiles(root, rel)));
    } else if (/\.(ts|mts|cts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      files.push(rel);
    }
  }
  return files;
}

/** The kind branches of the product outside the allowed places. */
export async function productKindBranches(root: string): Promise<KindBranch[]> {
  const files = (await productFiles(root)).filter((f) => !allowedPlaces.some((p) => f.startsWith(p)));
  const found: KindBranch[] = [];
  for (const file of files)
    found.push(...kindBranchesIn(file, await readFile(path.join(root, file), 'utf8')));
  return found;
}
