import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ComposeError,
  imageEnvironment,
  interpolate,
  readCompose,
  relocate,
  serviceEnvironment,
  type ComposeFile,
} from '../../harness/compose-env.js';
import { repoRoot } from '../../harness/processes.js';

describe('compose interpolation', () => {
  const env = { A: 'a', EMPTY: '' };
  it.each([
    ['${A}', 'a'],
    ['$A/x', 'a/x'],
    ['${MISSING}', ''],
    ['${A:-d}', 'a'],
    ['${EMPTY:-d}', 'd'],
    ['${MISSING:-d}', 'd'],
    ['${EMPTY-d}', ''],
    ['${MISSING-d}', 'd'],
    ['${MISSING:-${A}}', 'a'],
    ['$$A', '$A'],
    ['x${A:?set A}y', 'xay'],
  ])('%s → %s', (value, expected) => {
    expect(interpolate(value, env)).toBe(expected);
  });

  it('fails on a required variable, with compose’s message', () => {
    expect(() => interpolate('${MISSING:?set MISSING (a secret)}', env, 'api: X: ')).toThrow(
      new ComposeError('api: X: ${MISSING} is required: set MISSING (a secret)'),
    );
    expect(() => interpolate('${EMPTY:?no}', env)).toThrow(ComposeError);
    expect(interpolate('${EMPTY?no}', env)).toBe('');
  });
});

describe('a service environment', () => {
  let dir: string;
  let compose: ComposeFile;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'compose-env-'));
    await writeFile(path.join(dir, 'app.env'), 'FROM_FILE=file\nOVERRIDDEN=file\nQUOTED="q ${A}"\n');
    await writeFile(
      path.join(dir, 'docker-compose.yml'),
      [
        'x-env: &env',
        '  SHARED: ${A}',
        'services:',
        '  db: { image: postgres }',
        '  redis: { image: redis }',
        '  listed:',
        '    environment: ["K=v=1", "FROM_SHELL", "UNSET_IN_SHELL"]',
        '  merged:',
        '    env_file: [app.env, { path: missing.env, required: false }]',
        '    environment:',
        '      <<: *env',
        '      OVERRIDDEN: compose',
        '      NUMBER: 30',
        '  broken:',
        '    env_file: missing.env',
      ].join('\n'),
    );
    compose = await readCompose(path.join(dir, 'docker-compose.yml'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads the list form, taking bare names from the environment', async () => {
    expect(await serviceEnvironment(compose, 'listed', { FROM_SHELL: 'shell' })).toEqual({
      K: 'v=1',
      FROM_SHELL: 'shell',
    });
  });

  it('follows env_file and merge keys, the environment winning', async () => {
    expect(await serviceEnvironment(compose, 'merged', { A: 'a' })).toEqual({
      FROM_FILE: 'file',
      OVERRIDDEN: 'compose',
      QUOTED: 'q a',
      SHARED: 'a',
      NUMBER: '30',
    });
  });

  it('refuses a missing required env_file and an unknown service', async () => {
    await expect(serviceEnvironment(compose, 'broken', {})).rejects.toThrow(/env_file .*missing\.env/);
    await expect(serviceEnvironment(compose, 'nope', {})).rejects.toThrow(/has no service nope/);
  });

  it('moves compose hosts to the test’s addresses and nothing else', () => {
    const moved = relocate(
      compose,
      {
        DATABASE_URL: 'postgresql://u:p@db:5432/app',
        ADDRESS: 'db:5432',
        PUBLIC: 'http://localhost:3000',
        SIMILAR: 'http://mydb:5432/',
      },
      { 'db:5432': '127.0.0.1:6000' },
    );
    expect(moved).toEqual({
      DATABASE_URL: 'postgresql://u:p@127.0.0.1:6000/app',
      ADDRESS: '127.0.0.1:6000',
      PUBLIC: 'http://localhost:3000',
      SIMILAR: 'http://mydb:5432/',
    });
  });

  it('names the setting and the service it cannot map', () => {
    expect(() =>
      relocate(compose, { CACHE_URL: 'redis://redis:6379/0' }, { 'db:5432': '127.0.0.1:1' }),
    ).toThrow(/CACHE_URL refers to compose service redis:6379, which this test cannot map/);
  });
});

describe('the image environment', () => {
  it('is the last stage’s ENV', () => {
    const dockerfile = [
      'FROM node AS build',
      'ENV BUILD_ONLY=1',
      'FROM node AS runtime',
      'ENV A=1 \\',
      '    B="two words" \\',
      '    C=3',
      'ENV LEGACY some value',
    ].join('\n');
    expect(imageEnvironment(dockerfile)).toEqual({ A: '1', B: 'two words', C: '3', LEGACY: 'some value' });
  });

  it('of our Dockerfile points the worker at the prebuilt workflow bundle', async () => {
    const env = imageEnvironment(await readFile(path.join(repoRoot, 'Dockerfile'), 'utf8'));
    expect(env).toMatchObject({
      NODE_ENV: 'production',
      WORKFLOW_BUNDLE_PATH: '/app/dist/workflow-bundle.js',
    });
  });
});
