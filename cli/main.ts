import { parseArgs } from 'node:util';
import {
  auditList,
  cancelJourney,
  EXIT,
  inviteBulk,
  inviteStatus,
  journeysList,
  journeysShow,
  retryJourney,
  tenantsCheck,
  UsageError,
  type CliIo,
  type CommandContext,
} from './commands.js';
import { ApiError, createApiClient } from './http.js';

const GLOBAL = `Options for every command:
  --url <url>        the API (env GREENROOM_URL, default http://127.0.0.1:3000)
  --key <key>        an operator key (env GREENROOM_OPERATOR_KEY; npm start prints one)
  --tenant <id>      the tenant (env GREENROOM_TENANT)
  --json             machine-readable output
  -h, --help         help

Exit codes: 0 done, 1 usage or HTTP error, 2 done but not everything succeeded
(refused or failed rows, missing permissions).`;

const HELP: Record<string, string> = {
  '': `greenroom: the operators' command line for the greenroom API.

Commands:
  invite bulk <file.csv> --tenant <id> [--no-wait]   invite candidates from a CSV file
  invite status <bulkId>                            an upload's report and progress
  journeys list [--tenant --status --kind --limit --cursor]
  journeys show <journeyId>                         a journey's detail and timeline
  retry <journeyId> [--step <step>]                 retry a journey's failed step
  cancel <journeyId> --reason <text>                cancel a journey
  tenants check <tenantId>                          check the tenant's Greenhouse permissions
  audit [--tenant --since --until --actor --action --journey --limit --cursor]
                                                    read the operators' audit trail

Run greenroom <command> --help for details.

${GLOBAL}`,
  'invite bulk': `greenroom invite bulk <file.csv> --tenant <tenantId> [--no-wait]

Uploads a CSV with the header  email,first_name,last_name,job_id[,test_id]  (any order, any case;
at most 10,000 rows and 5 MB). Prints the rows refused (row = line in the file, header = 1), then
follows the invites with a progress bar on stderr until every valid row is handled.
Uploading the same file again changes nothing; rows already invited are not invited twice.

  --no-wait   print the report and return at once (follow with: greenroom invite status <id>)

Exit: 0 every row invited (or already invited), 2 some rows refused or failed, 1 error.

${GLOBAL}`,
  'invite status': `greenroom invite status <bulkId>

Prints a bulk upload's report and progress once. Exit 0 / 2 as for invite bulk.

${GLOBAL}`,
  'journeys list': `greenroom journeys list [--tenant <id>] [--status <s>] [--kind <k>] [--limit <n>] [--cursor <c>]

Lists journeys, newest first, as a table (--json: the API's answer).

${GLOBAL}`,
  'journeys show': `greenroom journeys show <journeyId>

A journey's state, what it waits for, and its timeline.

${GLOBAL}`,
  retry: `greenroom retry <journeyId> [--step <step>]

Retries a journey's failed step (by default the one it waits on).

${GLOBAL}`,
  cancel: `greenroom cancel <journeyId> --reason <text>

Cancels a journey; the reason is kept in the audit trail.

${GLOBAL}`,
  'tenants check': `greenroom tenants check <tenantId>

Checks the tenant's Greenhouse credential and permissions for its active modes.
Exit 0 ready, 2 something is missing, 1 error.

${GLOBAL}`,
  audit: `greenroom audit [--tenant <id>] [--since <t>] [--until <t>] [--actor <name>] [--action <a>]
               [--journey <journeyId>] [--limit <n>] [--cursor <c>]

The operators' audit trail, newest first. --since and --until take an ISO 8601 time or a span
back from now (90m, 24h, 7d); --since is inclusive, --until exclusive. A tenant-scoped key
sees its tenant only; metrics keys may not read it.

${GLOBAL}`,
};

const COMMANDS = new Set(Object.keys(HELP).filter(Boolean));

export interface RunOptions {
  env: Record<string, string | undefined>;
  io: CliIo;
  fetch?: typeof fetch;
}

/** Runs one command line; returns the exit code (never throws, never exits the process). */
export async function runCli(argv: string[], { env, io, fetch }: RunOptions): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: 'string' },
        key: { type: 'string' },
        tenant: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        'no-wait': { type: 'boolean' },
        status: { type: 'string' },
        kind: { type: 'string' },
        limit: { type: 'string' },
        cursor: { type: 'string' },
        step: { type: 'string' },
        reason: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        actor: { type: 'string' },
        action: { type: 'string' },
        journey: { type: 'string' },
      },
    });
  } catch (err) {
    io.stderr.write(`greenroom: ${err instanceof Error ? err.message : String(err)}\n`);
    io.stderr.write('Run greenroom --help for usage.\n');
    return EXIT.error;
  }
  const { values, positionals } = parsed;
  const [first, second] = positionals;
  const helpRequested = values.help || first === 'help';
  const words = first === 'help' ? positionals.slice(1) : positionals;
  const two = words.slice(0, 2).join(' ');
  const command = COMMANDS.has(two) ? two : COMMANDS.has(words[0] ?? '') ? words[0]! : undefined;
  if (helpRequested) {
    io.stdout.write(`${HELP[command ?? ''] ?? HELP['']!}\n`);
    return EXIT.ok;
  }
  if (!command) {
    io.stderr.write(
      first
        ? `greenroom: unknown command "${[first, second].filter(Boolean).join(' ')}"\n`
        : HELP['']!.split('\n\n')[0] + '\n',
    );
    io.stderr.write('Run greenroom --help for usage.\n');
    return EXIT.error;
  }
  const rest = positionals.slice(command.split(' ').length);

  const key = values.key ?? env.GREENROOM_OPERATOR_KEY;
  if (!key) {
    io.stderr.write(
      'greenroom: no operator key: set GREENROOM_OPERATOR_KEY or pass --key (npm start prints one)\n',
    );
    return EXIT.error;
  }
  const ctx: CommandContext = {
    api: createApiClient({
      baseUrl: values.url ?? env.GREENROOM_URL ?? 'http://127.0.0.1:3000',
      key,
      ...(fetch ? { fetch } : {}),
    }),
    io,
    json: values.json ?? false,
    tenant: values.tenant ?? env.GREENROOM_TENANT,
  };
  try {
    switch (command) {
      case 'invite bulk':
        return await inviteBulk(ctx, { file: rest[0], wait: !values['no-wait'] });
      case 'invite status':
        return await inviteStatus(ctx, rest[0]);
      case 'journeys list':
        return await journeysList(ctx, {
          ...(values.status ? { status: values.status } : {}),
          ...(values.kind ? { kind: values.kind } : {}),
          ...(values.limit ? { limit: values.limit } : {}),
          ...(values.cursor ? { cursor: values.cursor } : {}),
        });
      case 'journeys show':
        return await journeysShow(ctx, rest[0]);
      case 'retry':
        return await retryJourney(ctx, rest[0], values.step);
      case 'cancel':
        return await cancelJourney(ctx, rest[0], values.reason);
      case 'tenants check':
        return await tenantsCheck(ctx, rest[0]);
      case 'audit':
        return await auditList(ctx, {
          ...(values.since ? { since: values.since } : {}),
          ...(values.until ? { until: values.until } : {}),
          ...(values.actor ? { actor: values.actor } : {}),
          ...(values.action ? { action: values.action } : {}),
          ...(values.journey ? { journey: values.journey } : {}),
          ...(values.limit ? { limit: values.limit } : {}),
          ...(values.cursor ? { cursor: values.cursor } : {}),
        });
      default:
        return EXIT.error;
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`greenroom: ${err.message}\nRun greenroom ${command} --help for usage.\n`);
      return EXIT.error;
    }
    if (err instanceof ApiError) {
      const status = err.status ? `${err.status} ` : '';
      io.stderr.write(`greenroom: ${status}${err.code}: ${err.message}\n`);
      return EXIT.error;
    }
    io.stderr.write(`greenroom: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.error;
  }
}
