import { MidwayRequestContainer, type ILogger, type IMidwayContainer } from '@midwayjs/core';
import type { Consumer, KafkaMessage } from 'kafkajs';
import type { IMidwayKafkaApplication, IMidwayKafkaContext } from '../interface';
import type { ApplicationContainer } from '../midway/core-major';
import { KafkaEnvelope, type Envelope } from '../envelope/envelope';
import { traceIdOf } from '../tracing/trace-id';

/** What a context needs from the partition it was created on. */
export interface PartitionScope {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  readonly consumer: Consumer;
  heartbeat(): Promise<void>;
  pause(): () => void;
  commitOffsets(offset: string | number | bigint): Promise<void>;
}

/** What every context of one application shares: the app, its container and its loggers. */
export interface ContextHost {
  readonly app: IMidwayKafkaApplication;
  readonly applicationContext: ApplicationContainer;
  /** Midway's context logger factory (it caches the default logger on `ctx._logger`). */
  createContextLogger(ctx: IMidwayKafkaContext, name?: string): ILogger;
}

const SCOPE = Symbol('midway-kafka:partition-scope');
const HOST = Symbol('midway-kafka:context-host');
const CONTAINER = Symbol('midway-kafka:request-container');
const EARLY = Symbol('midway-kafka:early-objects');

/**
 * One delivery of a message to one listener: the same members as a context from Midway's
 * `createAnonymousContext` (requestContext, logger, getLogger, setAttr, getAttr, getApp,
 * startTime) plus the Kafka ones. The request container and the logger are built on first use:
 * most handlers never touch them, and building them costs more than the rest of a delivery.
 */
export class KafkaContext {
  readonly [SCOPE]: PartitionScope;
  readonly [HOST]: ContextHost;
  [CONTAINER]: IMidwayContainer | undefined = undefined;
  /** Request-scoped objects made for this delivery before its container existed: id, object, … */
  [EARLY]: unknown[] | undefined = undefined;
  /** Midway's context logger cache. */
  _logger: ILogger | undefined = undefined;
  readonly startTime = Date.now();

  constructor(
    host: ContextHost,
    scope: PartitionScope,
    readonly message: KafkaMessage,
    readonly payload: unknown,
    readonly attempt: number,
  ) {
    this[HOST] = host;
    this[SCOPE] = scope;
  }

  /** Only batch deliveries have them (see KafkaBatchContext). */
  get messages(): readonly KafkaMessage[] | undefined {
    return undefined;
  }

  /** Only listeners of envelopes have one (see KafkaEnvelopeContext). */
  get envelope(): Envelope | undefined {
    return undefined;
  }

  /** Worked out when asked (a log line), never per message. */
  get traceId(): string | undefined {
    return traceIdOf(this.message, this.envelope?.traceId);
  }

  // Read through the partition's scope: a smaller object per message.
  get groupId(): string {
    return this[SCOPE].groupId;
  }

  get topic(): string {
    return this[SCOPE].topic;
  }

  get partition(): number {
    return this[SCOPE].partition;
  }

  get consumer(): Consumer {
    return this[SCOPE].consumer;
  }

  get requestContext(): IMidwayContainer {
    return (this[CONTAINER] ??= this.openRequestContainer());
  }

  set requestContext(container: IMidwayContainer) {
    this[CONTAINER] = container;
  }

  get logger(): ILogger {
    return this._logger ?? this[HOST].createContextLogger(this.asContext());
  }

  set logger(logger: ILogger) {
    this._logger = logger;
  }

  getLogger(name?: string): ILogger {
    return this[HOST].createContextLogger(this.asContext(), name);
  }

  setAttr(key: string, value: unknown): void {
    this.requestContext.setAttr(key, value);
  }

  getAttr<T>(key: string): T {
    return this.requestContext.getAttr<T>(key);
  }

  getApp(): IMidwayKafkaApplication {
    return this[HOST].app;
  }

  commitOffsets(offset: string | number | bigint): Promise<void> {
    return this[SCOPE].commitOffsets(offset);
  }

  heartbeat(): Promise<void> {
    return this[SCOPE].heartbeat();
  }

  pause(): () => void {
    return this[SCOPE].pause();
  }

  /** True until something asked for the request container. */
  hasNoRequestContainer(): boolean {
    return this[CONTAINER] === undefined;
  }

  /** The request-scoped object `id` created for this delivery, if any. */
  earlyObject(id: string): unknown {
    const early = this[EARLY];
    if (early === undefined) return undefined;
    for (let i = 0; i < early.length; i += 2) if (early[i] === id) return early[i + 1];
    return undefined;
  }

  /** Records a request-scoped object created without the container, which adopts it later. */
  registerEarly(id: string, instance: unknown): void {
    // A flat list: a delivery makes one or two such objects, and a Map costs more to create.
    const early = this[EARLY];
    if (early === undefined) this[EARLY] = [id, instance];
    else early.push(id, instance);
    // A lifecycle listener may have opened the container while the object was being made.
    this[CONTAINER]?.registerObject(id, instance);
  }

  asContext(): IMidwayKafkaContext {
    return this as unknown as IMidwayKafkaContext;
  }

  private openRequestContainer(): IMidwayContainer {
    const container = new MidwayRequestContainer(this, this[HOST].applicationContext);
    // Objects already made for this delivery stay the ones `getAsync` returns.
    const early = this[EARLY] ?? [];
    for (let i = 0; i < early.length; i += 2) {
      container.registerObject(early[i] as string, early[i + 1]);
    }
    // Midway 3's request container has a `ready` step; Midway 4's is ready once constructed.
    const { ready } = container as { ready?: () => Promise<void> };
    if (typeof ready === 'function') void ready.call(container);
    return container;
  }
}

/** A fresh request-scoped context for one delivery of `message` to one listener. */
export function createKafkaContext(
  host: ContextHost,
  scope: PartitionScope,
  message: KafkaMessage,
  payload: unknown,
  attempt: number,
): KafkaContext {
  return payload instanceof KafkaEnvelope
    ? new KafkaEnvelopeContext(host, scope, message, payload, attempt)
    : new KafkaContext(host, scope, message, payload, attempt);
}

/** One delivery of an envelope: `payload` is its `data`, `envelope` the whole. */
export class KafkaEnvelopeContext extends KafkaContext {
  constructor(
    host: ContextHost,
    scope: PartitionScope,
    message: KafkaMessage,
    private readonly decoded: KafkaEnvelope,
    attempt: number,
  ) {
    super(host, scope, message, decoded.data, attempt);
  }

  override get envelope(): Envelope {
    return this.decoded;
  }
}

/** One delivery of a batch to a batch listener: `message` is its last message, `payload` the decoded array. */
export class KafkaBatchContext extends KafkaContext {
  constructor(
    host: ContextHost,
    scope: PartitionScope,
    private readonly batch: readonly KafkaMessage[],
    payloads: unknown[],
    attempt: number,
  ) {
    super(host, scope, batch[batch.length - 1], payloads, attempt);
  }

  override get messages(): readonly KafkaMessage[] {
    return this.batch;
  }
}
