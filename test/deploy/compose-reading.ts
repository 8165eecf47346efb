import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../harness/processes.js';

/** What the deploy tests read of docker-compose.yml (Docker cannot run on these machines). */
export interface ComposeService {
  image?: string;
  build?: unknown;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }> | string[];
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  secrets?: string[];
  profiles?: string[];
  healthcheck?: { test: string[] };
  deploy?: { replicas?: string | number };
}

export interface ComposeFile {
  'x-greenroom-env': Record<string, string | number>;
  services: Record<string, ComposeService>;
  secrets?: Record<string, { environment?: string; file?: string }>;
  volumes?: Record<string, unknown>;
}

export const readRepoFile = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');

/** docker-compose.yml parsed as compose reads it (YAML merge keys resolved), not interpolated. */
export const readCompose = (): ComposeFile => parse(readRepoFile('docker-compose.yml'), { merge: true });

/** Every string value of docker-compose.yml (what compose interpolates; comments are not). */
export function composeValues(): string[] {
  const values: string[] = [];
  const walk = (node: unknown): void => {
    if (typeof node === 'string') values.push(node);
    else if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(parse(readRepoFile('docker-compose.yml')));
  return values;
}

/** `${NAME…}` references: name, operator (`:-`, `-`, `:?`, `?` or none) and the text after it. */
const REFERENCE = /\$\{(\w+)(?:(:?[-?])([^}]*))?\}/g;

export interface VariableReference {
  name: string;
  operator: string;
  argument: string;
}

export function variableReferences(text: string): VariableReference[] {
  return [...text.replace(/\$\$/g, '').matchAll(REFERENCE)].map((m) => ({
    name: m[1]!,
    operator: m[2] ?? '',
    argument: m[3] ?? '',
  }));
}

export class MissingVariableError extends Error {
  override name = 'MissingVariableError';
}

/**
 * Compose's interpolation of one value: `${VAR}`, `${VAR:-default}` (unset or empty → default),
 * `${VAR-default}` (unset → default), `${VAR:?message}` / `${VAR?message}` (refuse to start),
 * `$$` (a literal `$`).
 */
export function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value
    .split('$$')
    .map((part) =>
      part.replace(REFERENCE, (_m, name: string, operator: string | undefined, argument: string) => {
        const raw = env[name];
        const unset = operator?.startsWith(':') ? raw === undefined || raw === '' : raw === undefined;
        if (!unset) return raw!;
        if (operator === ':?' || operator === '?')
          throw new MissingVariableError(`${name}: ${argument || 'required'}`);
        if (operator === ':-' || operator === '-') return argument;
        return '';
      }),
    )
    .join('$');
}

/** A service's environment after interpolation. */
export const serviceEnvironment = (service: ComposeService, env: Record<string, string | undefined>) =>
  Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), env)]),
  );

/** The README's "Production" section: from its heading to the next `## `. */
export function productionSection(): string {
  const readme = readRepoFile('README.md');
  const start = readme.indexOf('\n## Production');
  if (start < 0) throw new Error('README.md has no "## Production" section');
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Names set (or shown commented out) in .env.example. */
export function envExampleNames(): Set<string> {
  return new Set(
    readRepoFile('.env.example')
      .split('\n')
      .map((line) => /^#?\s?([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined),
  );
}
