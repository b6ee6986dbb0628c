import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import {
  KNOWN_DENIAL_REASONS,
  KNOWN_RESOURCE_TYPES,
  RESOURCE_ACTIONS,
  summariseMessage,
  type GeneaSummary,
} from '../../lib/event';
import {
  DayTracker,
  eventInstant,
  firstOfDayClaim,
  firstOfDayKey,
  localDay,
  pickTimeZone,
  type FirstOfDayVerdict,
} from '../../lib/day-tracker';
import {
  accessDeniedRule,
  accessGrantedRule,
  antiPassbackRule,
  doorEventRule,
  resourceChangeRule,
  DOOR_EVENT_KINDS,
  type FilterRule,
  type FirstOfDay,
  type SettingError,
} from '../../lib/filter-rules';
import { LogThrottle } from '../../lib/log-throttle';
import type { ClaimStore } from '../../lib/claim-store';
import { unavailableStore } from '../../lib/redis-claim-store';
import type { GeneaRedisNode } from '../genea-redis/redis-node';

/** What differs between the filter node types: their name, rule and the lists their dialogs offer. */
interface FilterType {
  type: string;
  /** Reads the node's flow-JSON properties (defaults for missing ones) into what it lets through. */
  rule: (props: Record<string, unknown>) => FilterRule;
  /** Runtime values the editor shows as choices (`RED.settings.<name>`); names start with the type, camel-cased. */
  editorSettings?: Record<string, readonly string[]>;
}

const FILTER_TYPES: FilterType[] = [
  {
    type: 'genea-access-granted',
    rule: accessGrantedRule,
    editorSettings: { geneaAccessGrantedTimeZones: Intl.supportedValuesOf('timeZone') },
  },
  {
    type: 'genea-access-denied',
    rule: accessDeniedRule,
    editorSettings: { geneaAccessDeniedReasons: KNOWN_DENIAL_REASONS },
  },
  { type: 'genea-anti-passback', rule: antiPassbackRule },
  {
    type: 'genea-resource-change',
    rule: resourceChangeRule,
    editorSettings: { geneaResourceChangeActions: RESOURCE_ACTIONS, geneaResourceChangeTypes: KNOWN_RESOURCE_TYPES },
  },
  { type: 'genea-door-event', rule: doorEventRule, editorSettings: { geneaDoorEventKinds: DOOR_EVENT_KINDS } },
];

/** The node-context key of the first-of-day memory. */
const MEMORY_KEY = 'geneaFirstOfDay';
const STATUS_INTERVAL_MS = 250;
const LOG_INTERVAL_MS = 10_000;

/**
 * The first-of-day memory of one node: loaded once from the node's context
 * (any store, synchronous or not), then decided in memory, in message order,
 * and written back after every change, so a restart with a persistent store
 * keeps the day.
 */
function firstOfDayMemory(node: Node, options: FirstOfDay, onStoreError: (err: unknown) => void) {
  const context = node.context();
  const tracker = new Promise<DayTracker>((resolve) => {
    context.get(MEMORY_KEY, (err: unknown, value: unknown) => {
      if (err) onStoreError(err);
      resolve(new DayTracker(err ? undefined : value));
    });
  });
  return async (summary: GeneaSummary, arrivalMs: number): Promise<FirstOfDayVerdict> => {
    const memory = await tracker;
    const { day } = dayOf(summary, arrivalMs, options);
    const verdict = memory.claim(firstOfDayKey(summary, options.perUser), day);
    if (verdict !== 'first') return verdict;
    context.set(MEMORY_KEY, memory.toJSON(), (err: unknown) => {
      if (err) onStoreError(err);
    });
    return verdict;
  };
}

function dayOf(summary: GeneaSummary, arrivalMs: number, options: FirstOfDay) {
  const zone = pickTimeZone(summary.location?.timezone) ?? options.timeZone;
  const instant = eventInstant(summary.time, arrivalMs);
  return { day: localDay(instant, zone), instant };
}

/**
 * The first-of-day decision shared by replicas: an atomic claim per location (and user) and day in `store`, so
 * exactly one replica passes the first arrival. Rejects when the store cannot answer: nothing passes then.
 */
function firstOfDayShared(store: ClaimStore, options: FirstOfDay) {
  return async (summary: GeneaSummary, arrivalMs: number): Promise<FirstOfDayVerdict> => {
    const { day, instant } = dayOf(summary, arrivalMs, options);
    const claim = firstOfDayClaim(firstOfDayKey(summary, options.perUser), day, instant, arrivalMs);
    return (await store.claim(claim.key, claim.ttlMs)) !== null ? 'first' : 'repeat';
  };
}

function registerFilter(RED: NodeAPI, filter: FilterType): void {
  const t = (key: string, values?: Record<string, string | number>): string => RED._(`genea-filters.${key}`, values);

  function GeneaFilter(this: Node, def: NodeDef & Record<string, unknown>): void {
    RED.nodes.createNode(this, def);
    const rule = filter.rule(def);
    const describe = ({ property, value, detail }: SettingError) =>
      t('errors.setting', { property, value, detail: detail ? ` (${detail})` : '' });

    for (const warning of rule.warnings) this.warn(t('errors.unknown-timezone', { value: warning.value }));
    if (rule.errors.length > 0) {
      for (const error of rule.errors) this.error(describe(error));
      const properties = rule.errors.map((error) => error.property).join(', ');
      this.status({ fill: 'red', shape: 'ring', text: t('status.bad-setting', { properties }) });
    }

    const redisId = typeof def.redis === 'string' ? def.redis : '';
    const sharedState = (): ClaimStore => {
      const config = RED.nodes.getNode(redisId) as GeneaRedisNode | null;
      // Keys per filter node: replicas run the same flow, so the same node id decides the same firsts.
      if (config?.type === 'genea-redis') return config.claimStore(`first-of-day:${this.id}:`);
      return unavailableStore(t('errors.no-shared-state', { id: redisId }));
    };
    const isFirstOfDay = !rule.firstOfDay
      ? null
      : redisId !== ''
        ? firstOfDayShared(sharedState(), rule.firstOfDay)
        : firstOfDayMemory(this, rule.firstOfDay, (err) => this.error(t('errors.context', { error: String(err) })));
    const logThrottle = new LogThrottle(LOG_INTERVAL_MS);
    let passed = 0;
    let notGenea = 0;
    // Events the first-of-day rule dropped, by why: a user sees why an arrival made nothing happen.
    const dropped: Record<Exclude<FirstOfDayVerdict, 'first'>, number> = { repeat: 0, 'older-day': 0 };
    let statusTimer: NodeJS.Timeout | undefined;
    const drawStatus = (): void => {
      statusTimer = undefined;
      const parts = [t('status.passed', { count: passed })];
      for (const [verdict, count] of Object.entries(dropped)) {
        if (count > 0) parts.push(t(`status.${verdict}`, { count }));
      }
      if (notGenea > 0) parts.push(t('status.not-genea', { count: notGenea }));
      this.status({ fill: notGenea === 0 ? 'green' : 'yellow', shape: 'dot', text: parts.join(' · ') });
    };
    const scheduleStatus = (): void => {
      if (rule.errors.length === 0) statusTimer ??= setTimeout(drawStatus, STATUS_INTERVAL_MS);
    };

    this.on('input', (msg: NodeMessage & { genea?: unknown }, send, done) => {
      const arrivalMs = Date.now();
      const summary = summariseMessage(msg);
      if (summary === null) {
        notGenea++;
        scheduleStatus();
        const heldBack = logThrottle.admit();
        if (heldBack !== null) {
          this.warn(
            t('errors.not-genea', { payload: typeof msg.payload }) +
              (heldBack > 0 ? ' ' + t('errors.held-back', { count: heldBack }) : ''),
          );
        }
        return done();
      }
      if (!rule.accepts(summary)) return done();
      const pass = (): void => {
        passed++;
        scheduleStatus();
        send(msg);
        done();
      };
      if (isFirstOfDay === null) return pass();
      isFirstOfDay(summary, arrivalMs).then(
        (verdict) => {
          if (verdict === 'first') return pass();
          dropped[verdict]++;
          scheduleStatus();
          done();
        },
        (err: unknown) =>
          done(new Error(t('errors.shared-state', { reason: err instanceof Error ? err.message : String(err) }))),
      );
    });

    this.on('close', (done: () => void) => {
      clearTimeout(statusTimer);
      done();
    });
  }

  const settings = Object.fromEntries(
    Object.entries(filter.editorSettings ?? {}).map(([name, value]) => [name, { value, exportable: true }]),
  );
  RED.nodes.registerType(filter.type, GeneaFilter, { settings });
}

export = function registerGeneaFilters(RED: NodeAPI): void {
  for (const filter of FILTER_TYPES) registerFilter(RED, filter);
};
