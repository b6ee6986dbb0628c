#!/usr/bin/env node
/**
 * genea-practice: the practice Genea on its own, for an existing Node-RED: Genea's door API on loopback (a dozen
 * doors in two locations) that sends signed door events to a receiver when a door is locked, unlocked or
 * quick-granted. Exit status: 0 after Ctrl-C, 1 when it cannot listen, 2 for bad arguments.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  PracticeGenea,
  PRACTICE_CUSTOMER,
  PRACTICE_LOCATIONS,
  practiceDoors,
  type PracticeDelivery,
} from '../practice/practice-genea';

const COMMAND = 'genea-practice';
const DEFAULT_PORT = 1881;

const USAGE = `Usage: ${COMMAND} [--port <port>] [--key <key>] [--receiver <url> --secret <secret>]

Runs a practice Genea on 127.0.0.1: Genea's REST API as docs/genea.md describes it (verify the key, list doors
and locations, lock, unlock, quick grant) for a dozen doors in two locations, to try genea-api and genea-door
without a Genea account. It is not Genea's service: nothing reaches a real door.

  --port <port>      the port to listen on (default: ${DEFAULT_PORT}; 0: any free port)
  --key <key>        the API key it accepts (default: a generated one, printed)
  --receiver <url>   a genea-webhook-in receiver: each lock, unlock and quick grant sends the door event
                     Genea would send there, signed with --secret (e.g. http://127.0.0.1:1880/genea)
  --secret <key>     the receiver's webhook secret (default: the GENEA_SECRET environment variable)
  -h, --help         show this help
  --version          show the version

In Node-RED, give a genea-api config node the printed base URL and key.
Exit status: 0 after Ctrl-C, 1 when it cannot listen, 2 for bad arguments.
`;

class UsageError extends Error {}

interface Settings {
  port: number;
  key: string;
  generatedKey: boolean;
  receiver: { url: string; secret: string } | null;
}

function parseCommandLine(args: string[]): Settings | 'help' | 'version' {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        key: { type: 'string' },
        receiver: { type: 'string' },
        secret: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (err) {
    // parseArgs explains unknown options, missing values and stray arguments; keep its first sentence.
    throw new UsageError(err instanceof Error ? err.message.split('. ')[0] : String(err));
  }
  const options = parsed.values;
  if (options.help) return 'help';
  if (options.version) return 'version';

  const portText = options.port ?? String(DEFAULT_PORT);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 0 && port <= 65535))
    throw new UsageError(`--port takes a port number from 0 to 65535, not ${portText}`);

  if (options.key !== undefined && !/^\S+$/.test(options.key)) {
    throw new UsageError('--key must be one word without spaces');
  }
  const key = options.key ?? `practice-${randomBytes(16).toString('hex')}`;

  let receiver: Settings['receiver'] = null;
  if (options.receiver !== undefined) {
    let url: URL;
    try {
      url = new URL(options.receiver);
    } catch {
      throw new UsageError(`--receiver ${options.receiver} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UsageError(`--receiver must be an http or https URL, not ${url.protocol}`);
    }
    const secret = options.secret ?? process.env.GENEA_SECRET ?? '';
    if (secret === '') throw new UsageError('--receiver needs the webhook secret: --secret <secret> or GENEA_SECRET');
    receiver = { url: url.href, secret };
  } else if (options.secret !== undefined) {
    throw new UsageError('--secret signs the events sent to --receiver: give --receiver too');
  }
  return { port, key, generatedKey: options.key === undefined, receiver };
}

function version(): string {
  // nodes/cli/ → the package's manifest.
  const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

function describeDelivery({ event, status, reason }: PracticeDelivery): string {
  const door = (event.door as { name?: unknown } | null)?.name;
  const answer = status === null ? `not delivered: ${reason}` : `${status} ${reason}`;
  return `door event ${String(event.event_action)} (${String(door)}) → ${answer}`;
}

async function main(): Promise<number> {
  let settings: ReturnType<typeof parseCommandLine>;
  try {
    settings = parseCommandLine(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${COMMAND}: ${err.message}\nRun ${COMMAND} --help for the options.`);
    return 2;
  }
  if (settings === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (settings === 'version') {
    console.log(version());
    return 0;
  }
  let genea: PracticeGenea;
  try {
    genea = await PracticeGenea.start({
      port: settings.port,
      keys: { [settings.key]: PRACTICE_CUSTOMER },
      doors: practiceDoors(),
      locations: [...PRACTICE_LOCATIONS],
      receiver: settings.receiver,
      onDelivery: (delivery) => console.log(describeDelivery(delivery)),
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    console.error(
      code === 'EADDRINUSE'
        ? `${COMMAND}: port ${settings.port} is in use; choose another with --port <port>`
        : `${COMMAND}: cannot listen on port ${settings.port}: ${err instanceof Error ? err.message : String(err)}`,
    );
    return 1;
  }
  const doors = PRACTICE_LOCATIONS.map((location) => {
    const names = genea.doors
      .filter((door) => door.location_uuid === location.uuid)
      .map(
        (door) =>
          `${String(door.name)}${door.is_online === false ? ' (offline)' : door.is_locked ? '' : ' (unlocked)'}`,
      );
    return `    ${String(location.name)}: ${names.join(', ')}`;
  });
  console.log(
    [
      "Practice Genea is running (not Genea's service: no real door is moved).",
      `  Base URL: ${genea.url}`,
      `  API key:  ${settings.key}   (${settings.generatedKey ? 'generated; --key to choose one' : 'from --key'})`,
      settings.receiver
        ? `  Door events go to ${settings.receiver.url}, signed with the secret given.`
        : '  Door events: off (--receiver <url> and --secret send them to a genea-webhook-in).',
      '  Doors:',
      ...doors,
      'In Node-RED, give a genea-api config node this base URL and key. Press Ctrl-C to stop.',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await genea.close();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`${COMMAND}: unexpected error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
