#!/usr/bin/env node
/**
 * genea-webhook-send: signs a Genea event and POSTs it the way Genea does (one JSON body,
 * `X-Sequr-Signature: sha1=<HMAC of the exact bytes>`), to try a receiver without a Genea account.
 * Exit status: 0 when every answer is 2xx, 1 when one is not or the receiver cannot be reached,
 * 2 for bad arguments.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { GeneaEvent } from '../lib/event';
import { SAMPLE_EVENT_TYPES, sampleEvent, type SampleEventType } from '../lib/sample-events';
import { todayAt, withSampleDetails, type SampleDetails } from '../lib/sample-details';
import { signBody } from '../lib/signature';

const COMMAND = 'genea-webhook-send';
const ANSWER_TIMEOUT_MS = 30_000;
const MAX_REASON_CHARS = 200;

const USAGE = `Usage: ${COMMAND} --url <url> [--secret <secret>] [--event <type> | --file <path>] [options]

Signs a Genea webhook delivery (X-Sequr-Signature: sha1=<HMAC-SHA1 of the body>) and POSTs it.

  --url <url>       the receiver, http or https (e.g. http://127.0.0.1:1880/genea)
  --secret <key>    the webhook secret (default: the GENEA_SECRET environment variable)
  --event <type>    send a new sample event of this type (default: access.granted), one of
                    ${SAMPLE_EVENT_TYPES.join(', ')}
  --file <path>     send this file instead, byte for byte (not parsed, not re-serialised)
  --repeat <n>      send the same delivery n times in all, as Genea's retries do (default: 1)
  --pretty          pretty-print the sample event (with --event)
  --print           print the signed request (headers and body) instead of sending it

Who, where and when, for a sample event (with --event; a name always gets the same uuid):
  --user <name>     the user, e.g. 'Grace Hopper' (default: Aaron Arnold)
  --location <name> the location, e.g. Berlin (default: Headquarters)
  --timezone <IANA> the location's time zone, e.g. Europe/Berlin (default: America/New_York)
  --door <name>     the door, e.g. 'Back Door' (default: Main Entrance)
  --time <time>     the event's event_time: a time of today such as 08:55 (or 08:55:30), local
                    to the event's location (its --timezone, default America/New_York), or an
                    ISO 8601 time with Z or an offset, e.g. 2026-12-01T08:30:00-05:00 (default: now)
  -h, --help        show this help
  --version         print the version of this command (the package's)

Prints the status and reason of each answer. Exit status: 0 when every answer is 2xx,
1 when an answer is not 2xx or the receiver cannot be reached, 2 for bad arguments (an
option given twice included).

Example: ${COMMAND} --url http://127.0.0.1:1880/genea --secret "$GENEA_SECRET" \\
           --event access.granted --user 'Grace Hopper' --time 08:30
`;

const DETAIL_OPTIONS = ['user', 'location', 'timezone', 'door', 'time'] as const;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

class UsageError extends Error {}

interface Delivery {
  url: URL;
  secret: string;
  body: Buffer;
  /** What is sent, for the first line of output. */
  label: string;
  repeat: number;
  /** Print the signed request instead of sending it. */
  print: boolean;
}

function isSampleEventType(value: string): value is SampleEventType {
  return (SAMPLE_EVENT_TYPES as readonly string[]).includes(value);
}

function parseCommandLine(args: string[]): Delivery | 'help' | 'version' {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        secret: { type: 'string' },
        event: { type: 'string' },
        file: { type: 'string' },
        repeat: { type: 'string' },
        pretty: { type: 'boolean' },
        print: { type: 'boolean' },
        user: { type: 'string' },
        location: { type: 'string' },
        timezone: { type: 'string' },
        door: { type: 'string' },
        time: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
      tokens: true,
    });
  } catch (err) {
    // parseArgs explains unknown options, missing values and stray arguments; keep its first sentence.
    throw new UsageError(err instanceof Error ? err.message.split('. ')[0] : String(err));
  }
  // parseArgs keeps the last of an option given twice: a second --event would silently replace the first.
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} is given more than once`);
    seen.add(token.name);
  }
  const options = parsed.values;
  if (options.help) return 'help';
  if (options.version) return 'version';

  if (options.url === undefined) throw new UsageError('--url is required');
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new UsageError(`--url ${options.url} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url must be an http or https URL, not ${url.protocol}`);
  }

  const secret = options.secret ?? process.env.GENEA_SECRET ?? '';
  if (secret === '') throw new UsageError('a secret is required: --secret <secret> or GENEA_SECRET');

  const repeatText = options.repeat ?? '1';
  const repeat = /^\d+$/.test(repeatText) ? Number(repeatText) : NaN;
  if (!(repeat >= 1)) throw new UsageError(`--repeat takes a whole number from 1, not ${repeatText}`);
  if (options.print && options.repeat !== undefined) throw new UsageError('--print and --repeat exclude each other');
  const print = options.print === true;

  if (options.file !== undefined) {
    if (options.event !== undefined) throw new UsageError('--event and --file exclude each other');
    const given = (['pretty', ...DETAIL_OPTIONS] as const).filter((name) => options[name] !== undefined);
    if (given.length > 0) throw new UsageError(`--${given[0]} applies to --event; a --file is sent as it is`);
    let body: Buffer;
    try {
      body = readFileSync(options.file);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new UsageError(`cannot read --file ${options.file} (${reason})`);
    }
    return { url, secret, body, label: `${options.file} (${body.length} bytes)`, repeat, print };
  }

  const type = options.event ?? 'access.granted';
  if (!isSampleEventType(type)) {
    throw new UsageError(`unknown --event ${type}; one of ${SAMPLE_EVENT_TYPES.join(', ')}`);
  }
  const sample = sampleEvent(type);
  const event = withSampleDetails(sample, sampleDetails(options, sampleTimeZone(sample)));
  const body = Buffer.from(options.pretty ? JSON.stringify(event, null, 2) : JSON.stringify(event), 'utf8');
  return { url, secret, body, label: `${type} event ${event.uuid} (${body.length} bytes)`, repeat, print };
}

/** The time zone of a sample event's location, in which --time HH:MM is meant (unless --timezone changes it). */
function sampleTimeZone(event: GeneaEvent): string {
  const [place] = Array.isArray(event.location) ? event.location : [event.location];
  return typeof place?.timezone === 'string' ? place.timezone : 'UTC';
}

/** --user, --location, --timezone, --door and --time, checked; --time HH:MM is today in the event's time zone. */
function sampleDetails(
  options: Partial<Record<(typeof DETAIL_OPTIONS)[number], string>>,
  eventTimeZone: string,
): SampleDetails {
  for (const name of DETAIL_OPTIONS) {
    if (options[name] !== undefined && options[name].trim() === '') throw new UsageError(`--${name} is empty`);
  }
  const { timezone } = options;
  if (timezone !== undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    } catch {
      throw new UsageError(`--timezone ${timezone} is not an IANA time zone such as Europe/Berlin`);
    }
  }
  const time =
    options.time === undefined ? undefined : (todayAt(options.time, timezone ?? eventTimeZone) ?? options.time);
  if (time !== undefined && (!ISO_TIME.test(time) || Number.isNaN(Date.parse(time)))) {
    throw new UsageError(
      `--time ${time} is neither a time of today such as 08:55 nor an ISO 8601 time with Z or an offset, such as 2026-12-01T08:30:00-05:00`,
    );
  }
  const { user, location, door } = options;
  return { user, location, timezone, door, time };
}

/** The request as it would go out: request line, headers, blank line, body. */
function printRequest(delivery: Delivery): void {
  const headers = [
    `POST ${delivery.url.pathname}${delivery.url.search} HTTP/1.1`,
    `Host: ${delivery.url.host}`,
    'Content-Type: application/json',
    `Content-Length: ${delivery.body.length}`,
    `X-Sequr-Signature: ${signBody(delivery.body, delivery.secret)}`,
  ];
  process.stdout.write(`${headers.join('\n')}\n\n`);
  process.stdout.write(delivery.body);
  process.stdout.write('\n');
}

/**
 * The answer's reason on one short line. A receiver answers with a short text; an HTML page (a 404 of another
 * server, a proxy's error page) is not one, and only its size is told.
 */
function reasonOf(res: Response, text: string): string {
  const html = /^text\/html/i.test(res.headers.get('content-type') ?? '') || /^\s*(<!doctype html|<html)/i.test(text);
  if (html) {
    const page = `${res.statusText || 'an answer'}: an HTML page (${Buffer.byteLength(text)} bytes), not a Genea receiver's answer`;
    return res.status === 404 ? `${page}; is the path in --url right?` : page;
  }
  const line = text.replace(/\s+/g, ' ').trim() || res.statusText;
  return line.length > MAX_REASON_CHARS ? `${line.slice(0, MAX_REASON_CHARS)}…` : line;
}

function networkProblem(err: unknown, url: URL): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `no answer within ${ANSWER_TIMEOUT_MS / 1000} s`;
  const cause = err instanceof Error ? (err.cause as { message?: unknown; code?: unknown } | undefined) : undefined;
  // OpenSSL's own text for a TLS handshake with a plain-HTTP server says nothing a user can act on.
  if (typeof cause?.code === 'string' && /^ERR_SSL_(WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG)$/.test(cause.code)) {
    return `${url.host} does not answer in TLS: is it a plain http:// server? (${cause.code})`;
  }
  if (cause && typeof cause.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** Sends the delivery `repeat` times; true when every answer was 2xx. */
async function send(delivery: Delivery): Promise<boolean> {
  const signature = signBody(delivery.body, delivery.secret);
  console.log(`Sending ${delivery.label} to ${delivery.url.href}`);
  let allOk = true;
  for (let attempt = 1; attempt <= delivery.repeat; attempt++) {
    const prefix = delivery.repeat > 1 ? `[${attempt}/${delivery.repeat}] ` : '';
    let res: Response;
    let text: string;
    try {
      res = await fetch(delivery.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Sequr-Signature': signature },
        body: new Uint8Array(delivery.body), // a copy typed as fetch wants it, same bytes
        signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
      });
      text = await res.text();
    } catch (err) {
      console.error(`${prefix}could not deliver to ${delivery.url.href}: ${networkProblem(err, delivery.url)}`);
      return false;
    }
    console.log(`${prefix}${res.status} ${reasonOf(res, text)}`);
    allOk &&= res.ok;
  }
  return allOk;
}

async function main(): Promise<number> {
  let delivery: Delivery | 'help' | 'version';
  try {
    delivery = parseCommandLine(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${COMMAND}: ${err.message}\nRun ${COMMAND} --help for the options.`);
    return 2;
  }
  if (delivery === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (delivery === 'version') {
    // The package's manifest, two levels up from nodes/cli/ in the package as in a built checkout.
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    console.log(`${COMMAND} ${manifest.version}`);
    return 0;
  }
  if (delivery.print) {
    printRequest(delivery);
    return 0;
  }
  return (await send(delivery)) ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Not a usage or delivery problem (those have their own messages): say so in one line, no stack.
    console.error(`${COMMAND}: unexpected error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
