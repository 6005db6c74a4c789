import { ConfigResourceTypes, type Admin } from 'kafkajs';

/** What a topic accepts, read from its configuration on the broker. */
export interface TopicLimits {
  /** `max.message.bytes`: the largest record batch (compressed, if it is) the topic takes. */
  maxMessageBytes: number;
  /** `cleanup.policy` includes `compact`: every record needs a key. */
  compacted: boolean;
  /**
   * How far a record's own timestamp may lie before and after the broker's clock, in ms
   * (`message.timestamp.before.max.ms` / `after.max.ms`); undefined when the broker sets the
   * timestamps itself (`message.timestamp.type=LogAppendTime`).
   */
  timestamps: { beforeMaxMs: number; afterMaxMs: number } | undefined;
}

/** Reads one topic's limits; rejects when they cannot be read. */
export type DescribeTopic = (topic: string) => Promise<TopicLimits>;

/** Read limits again after this long, like Java's `metadata.max.age.ms`: topics get reconfigured. */
const REFRESH_MS = 5 * 60_000;
/** After a failed lookup (no describe rights, topic just deleted), try again after this long. */
const RETRY_MS = 60_000;
/** A refused record asks for a new lookup at most this often: refusals can come in floods. */
const RECHECK_MS = 10_000;

interface Entry {
  limits: TopicLimits | undefined;
  /** When the next lookup is due, in ms since the epoch. */
  due: number;
  /** When the last lookup started (0: never). */
  lookedUpAt: number;
  loading: boolean;
}

/**
 * The limits of the topics the service sends to, read once per topic in the background and
 * refreshed every few minutes and whenever the broker refuses a record.
 *
 * A lookup never delays a send: until the first one has answered, sends go without the checks
 * (the broker's own answer then decides, see `resendIsolated`). A lookup starts only once a
 * send has reached the topic, so a topic created by the first send is never looked up before it
 * exists, and the hot path costs one map lookup per request.
 */
export class TopicLimitsCache {
  private readonly entries = new Map<string, Entry>();
  private closed = false;

  constructor(
    private readonly describe: DescribeTopic,
    private readonly now: () => number = Date.now,
  ) {}

  /** The limits last read for `topic`, or undefined before the first lookup answered. */
  get(topic: string): TopicLimits | undefined {
    return this.entries.get(topic)?.limits;
  }

  /** Starts a lookup if `topic` has none yet or its limits are old. Call once the topic exists. */
  refreshIfDue(topic: string): void {
    const entry = this.entries.get(topic);
    if (entry && (entry.loading || entry.due > this.now())) return;
    this.lookUp(topic, entry ?? this.newEntry(topic));
  }

  /** Reads `topic`'s limits again soon: the broker refused a record by rules that may have changed. */
  invalidate(topic: string): void {
    const entry = this.entries.get(topic);
    if (entry) entry.due = Math.min(entry.due, entry.lookedUpAt + RECHECK_MS);
    this.refreshIfDue(topic);
  }

  /** Starts no more lookups (those under way end with the admin client's disconnect). */
  close(): void {
    this.closed = true;
  }

  private newEntry(topic: string): Entry {
    const entry: Entry = { limits: undefined, due: 0, lookedUpAt: 0, loading: false };
    this.entries.set(topic, entry);
    return entry;
  }

  private lookUp(topic: string, entry: Entry): void {
    if (this.closed) return;
    entry.loading = true;
    entry.lookedUpAt = this.now();
    void this.describe(topic).then(
      limits => {
        entry.limits = limits;
        entry.due = this.now() + REFRESH_MS;
        entry.loading = false;
      },
      // The old limits (if any) stay: they are the best knowledge there is.
      () => {
        entry.due = this.now() + RETRY_MS;
        entry.loading = false;
      },
    );
  }
}

/** Longest wait for one lookup: a lookup that hangs must not keep a topic unchecked for ever. */
const LOOKUP_TIMEOUT_MS = 30_000;

/** Looks topics up with an admin client of its own, connected on first use. */
export class AdminTopicDescriber {
  private connecting: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly admin: Admin) {}

  async describe(topic: string): Promise<TopicLimits> {
    if (this.closed) throw new Error('stopped');
    const connecting = (this.connecting ??= this.admin.connect());
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no answer')), LOOKUP_TIMEOUT_MS);
    });
    try {
      return await Promise.race([
        connecting.then(() => describeTopicLimits(this.admin, topic)),
        timeout,
      ]);
    } catch (error) {
      // Connect again on the next lookup if this connect failed.
      const connected = await connecting.then(
        () => true,
        () => false,
      );
      if (!connected && this.connecting === connecting) this.connecting = undefined;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const connecting = this.connecting;
    this.connecting = undefined;
    if (!connecting) return;
    await connecting.catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }
}

/** Reads the limits of `topic` from its configuration, with a connected admin client. */
export async function describeTopicLimits(admin: Admin, topic: string): Promise<TopicLimits> {
  const { resources } = await admin.describeConfigs({
    resources: [
      {
        type: ConfigResourceTypes.TOPIC,
        name: topic,
        configNames: [
          'max.message.bytes',
          'cleanup.policy',
          'message.timestamp.type',
          'message.timestamp.before.max.ms',
          'message.timestamp.after.max.ms',
          // Brokers before 3.6 bound both sides with this one.
          'message.timestamp.difference.max.ms',
        ],
      },
    ],
    includeSynonyms: false,
  });
  const entries = resources[0]?.configEntries ?? [];
  const value = (name: string) => entries.find(e => e.configName === name)?.configValue;
  const maxMessageBytes = Number(value('max.message.bytes'));
  if (!Number.isSafeInteger(maxMessageBytes) || maxMessageBytes <= 0) {
    throw new Error(`Kafka topic "${topic}" reported no max.message.bytes`);
  }
  const policies = (value('cleanup.policy') ?? '').split(',').map(p => p.trim());
  // A bound the broker did not report does not bound anything.
  const bound = (name: string) => {
    const ms = Number(value(name) ?? value('message.timestamp.difference.max.ms'));
    return Number.isFinite(ms) ? ms : Infinity;
  };
  const timestamps =
    value('message.timestamp.type') === 'LogAppendTime'
      ? undefined
      : {
          beforeMaxMs: bound('message.timestamp.before.max.ms'),
          afterMaxMs: bound('message.timestamp.after.max.ms'),
        };
  return { maxMessageBytes, compacted: policies.includes('compact'), timestamps };
}
