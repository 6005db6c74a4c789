import {
  BaseFramework,
  Framework,
  getClassMetadata,
  getPropertyMetadata,
  GUARD_KEY,
  type ILogger,
} from '@midwayjs/core';
import type { Consumer, Kafka, KafkaConfig, ProducerRecord } from 'kafkajs';
import { createKafkaClient } from '../client/create-kafka';
import { DEFAULT_KAFKA_CONFIG, KAFKA_LOGGER_NAME } from '../config/defaults';
import {
  describeBrokers,
  validateComponentConfig,
  validateKafkaConfig,
} from '../config/validate-kafka-config';
import { DeadLetterPublisher } from '../consumer/dead-letter';
import { ensureDeadLetterTopics } from '../consumer/dead-letter-topics';
import { GroupConsumer } from '../consumer/group-consumer';
import type { ConsumerState, ConsumerStatusEvent } from '../consumer/consumer-status';
import { MessageDispatcher, type ListenerRuntime } from '../consumer/message-dispatcher';
import { KafkaComponentError } from '../errors';
import type { Application, Context, MessageFailure, MidwayKafkaConfig } from '../interface';
import { discoverListeners } from '../listener/discover-listeners';
import { KafkaService } from '../producer/kafka.service';
import { ReplyPublisher } from '../request-reply/reply-publisher';
import { planGroups, type GroupPlan } from '../listener/plan-groups';
import { createListenerRuntime, type MiddlewareHost } from './listener-runtime';
import { contextLogFormat } from './context-log-format';
import { Subscribers } from './subscribers';
import { contextIsMocked, middlewareOrFiltersRegistered } from './chain-usage';
import { asyncContextRunner, type InAsyncContext } from './async-context';
import { detectContainerModel, type ContainerModel } from '../midway/container-model';
import { assertOnlyKafkaFramework, MIDWAY_KAFKA_FRAMEWORK } from '../midway/competing-framework';
import { useContextFormat, type FormattedContextLoggers } from '../midway/context-loggers';
import { kafkaFrameworkType } from '../midway/framework-type';
import {
  createConsumerInstruments,
  type ConsumerInstruments,
} from '../observability/consumer-observer';

/**
 * The Midway framework for Kafka: finds every `@KafkaListener`, runs one kafkajs consumer per
 * consumer group, and puts Midway's request context, guards, middleware and filters around each message.
 */
@Framework()
export class MidwayKafkaFramework extends BaseFramework<Application, Context, MidwayKafkaConfig> {
  static readonly [MIDWAY_KAFKA_FRAMEWORK] = true;
  private kafka: Kafka | undefined;
  private groups: GroupConsumer[] = [];
  private deadLetter: DeadLetterPublisher | undefined;
  private stopped: Promise<void> | undefined;
  private kafkaLogger!: ILogger;
  /** Metrics and tracing of the consumers, as configured. */
  private instruments: ConsumerInstruments | undefined;
  private readonly statusSubscribers = new Subscribers<ConsumerStatusEvent>();
  private readonly stoppedPartitionSubscribers = new Subscribers<MessageFailure>();
  /** Midway 4: the context loggers, with the Kafka format Midway 4 no longer passes. */
  private contextLoggers: FormattedContextLoggers | undefined;

  configure(): MidwayKafkaConfig {
    return this.configService.getConfiguration('kafka') ?? {};
  }

  /** Midway 3 registers frameworks by type too; Midway 4 has no types (and never calls this). */
  getFrameworkType(): unknown {
    return kafkaFrameworkType();
  }

  override getFrameworkName(): string {
    return 'midway:kafka';
  }

  async applicationInitialize(): Promise<void> {
    assertOnlyKafkaFramework(this.applicationContext, MidwayKafkaFramework);
    // Midway fills the application object with its standard methods (createAnonymousContext …).
    this.app = {} as Application;
    this.defineApplicationProperties();
    // Context log lines name their message (see contextLogFormat), unless the app set a format.
    this.contextLoggers = useContextFormat(
      this,
      this.loggerService,
      this.configurationOptions.contextLoggerFormat ?? contextLogFormat,
    );
    this.kafkaLogger = this.loggerService.getLogger(KAFKA_LOGGER_NAME) ?? this.logger;
  }

  async run(): Promise<void> {
    const listeners = discoverListeners(this.applicationContext);
    if (listeners.length === 0) return;
    const config = this.configurationOptions;
    const kafkaConfig = validateKafkaConfig(config);
    validateComponentConfig(config);
    const plans = planGroups(listeners, config);
    const kafka = createKafkaClient(kafkaConfig, this.kafkaLogger);
    this.kafka = kafka;
    const instruments = createConsumerInstruments(config, () => kafka, this.kafkaLogger);
    this.instruments = instruments;
    this.onStatus(event => instruments.observer.statusChanged(event));
    try {
      await this.startConsumers(config, kafkaConfig, plans, kafka, instruments);
    } catch (error) {
      // Nothing of a failed start stays behind (its metrics leave the registry too).
      await this.stopConsumers();
      throw error;
    }
  }

  private async startConsumers(
    config: MidwayKafkaConfig,
    kafkaConfig: KafkaConfig,
    plans: GroupPlan[],
    kafka: Kafka,
    instruments: ConsumerInstruments,
  ): Promise<void> {
    await ensureDeadLetterTopics(plans, {
      kafka,
      brokers: describeBrokers(kafkaConfig),
      create: config.createDeadLetterTopics ?? DEFAULT_KAFKA_CONFIG.createDeadLetterTopics,
      logger: this.kafkaLogger,
    });
    this.deadLetter = new DeadLetterPublisher({
      kafka: () => kafka,
      sendTimeoutMs: config.sendTimeout ?? DEFAULT_KAFKA_CONFIG.sendTimeout,
    });
    // Read before the first applyMiddleware call, which adds Midway's own entry to the list.
    const chainConfigured = middlewareOrFiltersRegistered(this.getMiddleware(), this.filterManager);
    // As Midway's other frameworks do at start: compose the chain, register the async context manager.
    await this.applyMiddleware();
    const inAsyncContext = chainConfigured ? undefined : this.asyncContextAlone();
    const containerModel = this.requestScopeModel();
    // Listeners answer requests through the application's producer, looked up at the first
    // reply: an application that only consumes never depends on it.
    let kafkaService: Promise<KafkaService> | undefined;
    const sendReply = (record: ProducerRecord) =>
      (kafkaService ??= this.applicationContext.getAsync(KafkaService)).then(service =>
        service.send(record),
      );
    const dispatcher = new MessageDispatcher({
      contextHost: {
        app: this.app,
        applicationContext: this.applicationContext,
        createContextLogger: (ctx, name) => this.createContextLogger(ctx, name),
      },
      deadLetter: this.deadLetter,
      logger: this.kafkaLogger,
      onPartitionStopped: failure => this.stoppedPartitionSubscribers.emit(failure),
      replies: new ReplyPublisher(sendReply, this.kafkaLogger),
    });
    for (const plan of plans) {
      this.groups.push(
        new GroupConsumer({
          kafka,
          brokers: describeBrokers(kafkaConfig),
          plan,
          runtimes: await this.createRuntimes(
            plan,
            chainConfigured,
            containerModel,
            inAsyncContext,
            instruments,
          ),
          dispatcher,
          logger: this.kafkaLogger,
          startTimeout: config.startTimeout ?? DEFAULT_KAFKA_CONFIG.startTimeout,
          shutdownTimeout: config.shutdownTimeout ?? DEFAULT_KAFKA_CONFIG.shutdownTimeout,
          partitionTimeSlice: config.partitionTimeSlice ?? DEFAULT_KAFKA_CONFIG.partitionTimeSlice,
          observer: instruments.observer,
          onStatus: event => this.reportStatus(event),
        }),
      );
    }
    const results = await Promise.allSettled(this.groups.map(group => group.start()));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    this.kafkaLogger.info(
      `[midway-kafka] consuming: ${plans.map(p => `group '${p.groupId}' ← ${[...p.topics.keys()].join(', ')}`).join('; ')}`,
    );
  }

  protected override async beforeStop(): Promise<void> {
    await this.stopConsumers();
  }

  protected override createContextLogger(ctx: Context, name?: string): ILogger {
    return this.contextLoggers?.get(ctx, name) ?? super.createContextLogger(ctx, name);
  }

  /** The raw kafkajs client the consumers use (undefined when the app has no listener). */
  getKafka(): Kafka | undefined {
    return this.kafka;
  }

  /** The raw kafkajs consumer of a group (the default group when omitted). */
  getConsumer(groupId?: string): Consumer {
    return this.group(groupId).consumer;
  }

  /** The state of every group's consumer. */
  getStatus(): Record<string, ConsumerState> {
    return Object.fromEntries(this.groups.map(g => [g.groupId, g.status]));
  }

  /** Calls `listener` on every state change (joined, rebalancing, crashed, stopped …); returns an unsubscribe function. */
  onStatus(listener: (event: ConsumerStatusEvent) => void): () => void {
    return this.statusSubscribers.add(listener);
  }

  /** Calls `listener` when the `'stop'` failure policy paused a partition. */
  onPartitionStopped(listener: (failure: MessageFailure) => void): () => void {
    return this.stoppedPartitionSubscribers.add(listener);
  }

  /** Resumes a partition paused by the `'stop'` failure policy; its failed message is delivered again. */
  resumePartition(topic: string, partition: number, groupId?: string): void {
    this.group(groupId).resume(topic, partition);
  }

  private group(groupId: string | undefined): GroupConsumer {
    const id =
      groupId ?? this.configurationOptions.consumerConfig?.groupId ?? this.groups[0]?.groupId;
    const group = this.groups.find(g => g.groupId === id);
    if (!group) {
      throw new KafkaComponentError(
        'NOT_CONNECTED',
        `No consumer runs for group '${String(id)}'. Groups running: ${this.groups.map(g => g.groupId).join(', ') || 'none'}.`,
      );
    }
    return group;
  }

  private async createRuntimes(
    plan: GroupPlan,
    chainConfigured: boolean,
    containerModel: ContainerModel | undefined,
    inAsyncContext: InAsyncContext | undefined,
    instruments: ConsumerInstruments,
  ): Promise<Map<string, ListenerRuntime[]>> {
    const host: MiddlewareHost = {
      applicationContext: this.applicationContext,
      containerModel,
      inAsyncContext,
      applyMiddleware: last => this.applyMiddleware(last),
      runGuard: (ctx, target, method) => this.runGuard(ctx, target, method),
      declaresGuards: (target, method) =>
        getClassMetadata(GUARD_KEY, target) !== undefined ||
        getPropertyMetadata(GUARD_KEY, target, method) !== undefined,
      hasGlobalGuards: () => this.guardManager.length > 0,
      needsChain: () => chainConfigured || contextIsMocked(this.mockService),
    };
    const runtimes = new Map<string, ListenerRuntime[]>();
    for (const topic of plan.topics.values()) {
      runtimes.set(
        topic.topic,
        await Promise.all(
          topic.listeners.map(async l =>
            instruments.instrument(await createListenerRuntime(host, l)),
          ),
        ),
      );
    }
    return runtimes;
  }

  /**
   * Where the async context manager is on (Midway 4's default) but nothing else is on the chain:
   * what makes a message's context the current one without the rest of the chain.
   */
  private asyncContextAlone(): InAsyncContext | undefined {
    if (this.configService.getConfiguration('asyncContextManager.enable') !== true)
      return undefined;
    return asyncContextRunner(this.applicationContext);
  }

  /** How listener instances can be made without a request container; undefined: they cannot here. */
  private requestScopeModel(): ContainerModel | undefined {
    const model = detectContainerModel();
    if (typeof model !== 'string') return model;
    this.kafkaLogger.debug(
      `[midway-kafka] listener instances are made by Midway's request container: ${model}`,
    );
    return undefined;
  }

  private stopConsumers(): Promise<void> {
    this.stopped ??= (async () => {
      const results = await Promise.allSettled(this.groups.map(group => group.stop()));
      await this.deadLetter
        ?.close()
        .catch(error =>
          this.kafkaLogger.warn(
            `[midway-kafka] closing the dead-letter producer failed: ${String(error)}`,
          ),
        );
      for (const result of results) {
        if (result.status === 'rejected')
          this.kafkaLogger.error('[midway-kafka] a consumer did not stop cleanly:', result.reason);
      }
      await this.instruments?.observer.close();
    })();
    return this.stopped;
  }

  private reportStatus(event: ConsumerStatusEvent): void {
    const detail = event.detail ? ` (${event.detail})` : '';
    const assignment = event.assignment
      ? ` ${
          Object.entries(event.assignment)
            .map(([topic, partitions]) => `${topic}[${partitions.join(',')}]`)
            .join(' ') || '(no partitions)'
        }`
      : '';
    const line = `[midway-kafka] group '${event.groupId}' ${event.state}${assignment}${detail}`;
    if (event.state === 'crashed') this.kafkaLogger.error(line, event.error);
    else this.kafkaLogger.info(line);
    this.statusSubscribers.emit(event);
  }
}
