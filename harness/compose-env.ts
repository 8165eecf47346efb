import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { parse } from 'yaml';

/**
 * docker-compose.yml read the way `docker compose` reads it, for the tests that run its services
 * without Docker: merge keys, `environment` as a mapping or a list, `env_file`, and `${VAR}`
 * interpolation. Then only the places compose services meet — `<service>:<port>` in a value —
 * are moved to the addresses the test runs them on.
 */
export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: string | (string | { path: string; required?: boolean })[];
  depends_on?: Record<string, { condition: string }> | string[];
}

export interface ComposeFile {
  file: string;
  services: Record<string, ComposeService>;
}

export async function readCompose(file: string): Promise<ComposeFile> {
  const doc = parse(await readFile(file, 'utf8'), { merge: true }) as { services?: ComposeFile['services'] };
  if (!doc?.services) throw new Error(`${file} has no services`);
  return { file, services: doc.services };
}

export class ComposeError extends Error {
  override name = 'ComposeError';
}

/**
 * Compose's interpolation: `$$` is a dollar, `${VAR}` and `$VAR` (empty when unset), `${VAR:-d}`
 * (d when unset or empty), `${VAR-d}` (d when unset), `${VAR:?msg}` / `${VAR?msg}` (an error).
 */
export function interpolate(value: string, env: Record<string, string | undefined>, where = ''): string {
  return value.replace(
    // The argument may hold one nested `${…}` (a default taken from another variable).
    /\$\$|\$\{(\w+)(?:(:?)([-?])((?:[^{}]|\{[^{}]*\})*))?\}|\$(\w+)/g,
    (match, braced?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare)!;
      const raw = env[name];
      const missing = raw === undefined || (colon === ':' && raw === '');
      if (op === '-') return missing ? interpolate(arg ?? '', env, where) : raw!;
      if (op === '?' && missing) {
        throw new ComposeError(`${where}\${${name}} is required: ${arg || 'no message'}`);
      }
      return raw ?? '';
    },
  );
}

/** A service's environment as `docker compose config` would print it (env_file first, then environment). */
export async function serviceEnvironment(
  compose: ComposeFile,
  service: string,
  env: Record<string, string | undefined>,
): Promise<Record<string, string>> {
  const spec = compose.services[service];
  if (!spec) throw new ComposeError(`${compose.file} has no service ${service}`);
  const out: Record<string, string> = {};
  const files =
    spec.env_file === undefined ? [] : Array.isArray(spec.env_file) ? spec.env_file : [spec.env_file];
  for (const entry of files) {
    const { path: file, required = true } = typeof entry === 'string' ? { path: entry } : entry;
    const full = path.resolve(path.dirname(compose.file), file);
    const text = await readFile(full, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' && !required) return '';
      throw new ComposeError(`${service}: env_file ${full} cannot be read (${err.code})`);
    });
    for (const [key, value] of Object.entries(parseEnv(text))) {
      out[key] = interpolate(value ?? '', env, `${service} env_file ${file}: ${key}: `);
    }
  }
  const entries: [string, string | undefined][] = Array.isArray(spec.environment)
    ? spec.environment.map((line) => {
        const eq = line.indexOf('=');
        // `- KEY` alone takes the value from the environment compose runs in.
        return eq === -1 ? [line, env[line]] : [line.slice(0, eq), line.slice(eq + 1)];
      })
    : Object.entries(spec.environment ?? {}).map(([k, v]) => [k, v === null ? env[k] : String(v)]);
  for (const [key, value] of entries) {
    if (value === undefined) continue;
    out[key] = interpolate(value, env, `${service}: ${key}: `);
  }
  return out;
}

/**
 * Replaces every `<service>:<port>` of a compose service in the values with the test's address
 * for it (`endpoints`, keyed `service:port`). A value naming a compose service the test has no
 * address for is an error that says which setting and which service.
 */
export function relocate(
  compose: ComposeFile,
  environment: Record<string, string>,
  endpoints: Record<string, string>,
): Record<string, string> {
  const names = Object.keys(compose.services).map((n) => n.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&'));
  // A service name as a host: after `//`, `@` or at the start, before `:port`, `/` or the end.
  const host = new RegExp(`(^|//|@)(${names.join('|')})(?::(\\d+))?(?=[/?#]|$)`, 'g');
  return Object.fromEntries(
    Object.entries(environment).map(([key, value]) => [
      key,
      value.replace(host, (_m, lead: string, service: string, port?: string) => {
        const target = endpoints[`${service}:${port ?? ''}`] ?? (port ? undefined : endpoints[service]);
        if (!target) {
          throw new ComposeError(
            `${key} refers to compose service ${service}${port ? `:${port}` : ''}, which this test cannot map ` +
              `(it runs: ${Object.keys(endpoints).join(', ')})`,
          );
        }
        return `${lead}${target}`;
      }),
    ]),
  );
}

/** The `ENV` of a Dockerfile's last stage (the image that runs), `ENV a=b c="d e"` and `ENV a b`. */
export function imageEnvironment(dockerfile: string): Record<string, string> {
  const lines = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim());
  const lastFrom = lines.findLastIndex((l) => /^FROM\s/i.test(l));
  const env: Record<string, string> = {};
  for (const line of lines.slice(lastFrom + 1)) {
    const m = /^ENV\s+(.*)$/i.exec(line);
    if (!m) continue;
    const body = m[1]!.trim();
    if (!/^\w+=/.test(body)) {
      const [key, ...rest] = body.split(/\s+/);
      env[key!] = rest.join(' ');
      continue;
    }
    for (const [, key, value] of body.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
      env[key!] = value!.startsWith('"') ? (JSON.parse(value!) as string) : value!;
    }
  }
  return env;
}
