/**
 * The Temporal server's dynamic config that greenroom relies on, in the server's file format
 * (`key: [{ value }]`). The compose stack mounts the same as deploy/temporal/dynamic-config.yaml
 * (test/deploy/compose.test.ts holds the two equal); the harness's real server gets it merged over
 * its development config, and the dev server as `--dynamic-config-value` flags.
 */
export type DynamicConfig = Record<string, { value: unknown }[]>;

export const greenroomDynamicConfig: DynamicConfig = {
  // Server 1.29 orders a task queue's backlog by task priority only with the new matcher: without
  // it the completion PATCH and a submission's steps wait behind every older write-back step.
  'matching.useNewMatcher': [{ value: true }],
};

/** The dev server's flags, `KEY=VALUE` with the value as YAML (JSON is YAML). */
export function devServerDynamicConfigFlags(config = greenroomDynamicConfig): string[] {
  return Object.entries(config).flatMap(([key, [entry]]) =>
    entry ? ['--dynamic-config-value', `${key}=${JSON.stringify(entry.value)}`] : [],
  );
}

/** Ours over a base file's keys: a key of ours replaces the base's entries for it. */
export function mergeDynamicConfig(base: DynamicConfig | null, ours = greenroomDynamicConfig): DynamicConfig {
  return { ...(base ?? {}), ...ours };
}
