import {
  App,
  Config,
  getProviderUUId,
  Init,
  Inject,
  Logger,
  Provide,
  REQUEST_OBJ_CTX_KEY,
  Scope,
  ScopeEnum,
  type IMidwayApplication,
  type IMidwayContainer,
  type ILogger,
} from '@midwayjs/core';
import { close, createLightApp } from '@midwayjs/mock';
import {
  KafkaContext,
  type ContextHost,
  type PartitionScope,
} from '../../src/context/kafka-context';
import { compileRequestScope, type CreateInstance } from '../../src/context/request-scope';
import { detectContainerModel, type ContainerModel } from '../../src/midway/container-model';
import type { IMidwayKafkaContext } from '../../src/interface';

// Midway's own resolution is the reference: the direct path must give handlers the same objects.

@Provide()
@Scope(ScopeEnum.Singleton)
class Tally {
  count = 0;
}

@Provide()
class OrderRepository {
  @Inject()
  ctx!: IMidwayKafkaContext;

  @Inject()
  tally!: Tally;
}

@Provide()
class AuditTrail {
  @Inject()
  orderRepository!: OrderRepository;
}

@Provide()
class OrdersListener {
  @Inject()
  ctx!: IMidwayKafkaContext;

  @Inject()
  logger!: ILogger;

  @Inject()
  orderRepository!: OrderRepository;

  @Inject()
  auditTrail!: AuditTrail;

  @Inject()
  tally!: Tally;

  @Config('orders.limit')
  limit!: number;

  @Logger('coreLogger')
  coreLogger!: ILogger;

  @App()
  app!: IMidwayApplication;
}

@Provide()
class InitialisedListener {
  ready = false;

  @Init()
  init(): void {
    this.ready = true;
  }
}

@Provide()
class Chicken {
  @Inject()
  egg!: unknown;
}

@Provide()
class Egg {
  @Inject()
  chicken!: Chicken;
}

@Provide()
class NeedsUnknown {
  @Inject('notRegisteredAnywhere')
  missing!: unknown;
}

// Classes whose identifiers also name an object registered on the container (see the test).
@Provide()
class Shadowed {}

@Provide()
@Scope(ScopeEnum.Prototype)
class ShadowedPrototype {}

@Provide()
class UsesShadowed {
  @Inject()
  shadowed!: Shadowed;

  @Inject()
  shadowedPrototype!: ShadowedPrototype;
}

const PRELOADED = [Tally, OrderRepository, AuditTrail, OrdersListener, InitialisedListener];

describe('request scope without a request container', () => {
  let app: IMidwayApplication;
  let container: IMidwayContainer;
  let host: ContextHost;
  const scope = {
    groupId: 'g',
    topic: 'orders',
    partition: 3,
    consumer: {},
  } as unknown as PartitionScope;
  const message = {
    offset: '7',
    key: null,
    value: Buffer.from('x'),
    timestamp: '0',
    attributes: 0,
    headers: {},
  };
  const newContext = () => new KafkaContext(host, scope, message, message.value, 1);
  const idOf = (target: object): string => getProviderUUId(target);
  let model: ContainerModel;

  it('knows how the Midway major of this run makes request-scoped objects', () => {
    const detected = detectContainerModel();
    if (typeof detected === 'string') throw new Error(detected);
    expect(detected.major).toBe(Number(process.env.MIDWAY_VERSION || 3));
  });

  it.each([
    [5, /@midwayjs\/core 5\.x is newer than this version of midway-kafka knows/],
    [undefined, /could not be read/],
  ])('on a Midway major it does not know (%s), says why instead of guessing', (major, why) => {
    jest.isolateModules(() => {
      jest.doMock('../../src/midway/core-major', () => ({ midwayCoreMajor: () => major }));
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { detectContainerModel: detect } = require('../../src/midway/container-model');
      expect(detect()).toMatch(why);
    });
  });

  beforeAll(async () => {
    model = detectContainerModel() as ContainerModel;
    app = await createLightApp({
      preloadModules: [
        ...PRELOADED,
        Chicken,
        Egg,
        NeedsUnknown,
        Shadowed,
        ShadowedPrototype,
        UsesShadowed,
      ],
      globalConfig: { orders: { limit: 42 } },
    });
    container = app.getApplicationContext();
    host = {
      app: app as never,
      applicationContext: container,
      createContextLogger: (ctx, name) => app.createLogger(name ?? 'ctx', {}) ?? (ctx as never),
    };
  });

  afterAll(() => close(app));

  async function compiled(target: object): Promise<CreateInstance> {
    const create = await compileRequestScope(container, model, idOf(target));
    if (!create) throw new Error(`${String((target as { name: string }).name)} was not compiled`);
    return create;
  }

  it('injects ctx, request-scoped dependencies, singletons and decorated properties', async () => {
    const ctx = newContext();
    const listener = (await compiled(OrdersListener))(ctx) as unknown as OrdersListener;
    expect(listener).toBeInstanceOf(OrdersListener);
    expect(listener.ctx).toBe(ctx);
    expect(listener.orderRepository.ctx).toBe(ctx);
    // One object per delivery, however many paths lead to it.
    expect(listener.auditTrail.orderRepository).toBe(listener.orderRepository);
    expect(listener.tally).toBe(await container.getAsync(Tally));
    expect(listener.orderRepository.tally).toBe(listener.tally);
    expect(listener.limit).toBe(42);
    expect(listener.coreLogger).toBe(app.getLogger('coreLogger'));
    expect(listener.app).toBe(app);
    expect(listener.logger).toBe(ctx.logger);
    expect((listener as unknown as Record<string, unknown>)[REQUEST_OBJ_CTX_KEY]).toBe(ctx);
  });

  it('hands its objects to the request container once something opens it', async () => {
    const ctx = newContext();
    const listener = (await compiled(OrdersListener))(ctx) as unknown as OrdersListener;
    expect(ctx.hasNoRequestContainer()).toBe(true);
    expect(await ctx.requestContext.getAsync(OrdersListener)).toBe(listener);
    expect(await ctx.requestContext.getAsync(OrderRepository)).toBe(listener.orderRepository);
    expect(await ctx.requestContext.getAsync('ctx')).toBe(ctx);
    ctx.setAttr('seen', true);
    expect(ctx.getAttr('seen')).toBe(true);
  });

  it('makes fresh request-scoped objects per delivery and shares singletons', async () => {
    const create = await compiled(OrdersListener);
    const first = create(newContext()) as unknown as OrdersListener;
    const second = create(newContext()) as unknown as OrdersListener;
    expect(second).not.toBe(first);
    expect(second.orderRepository).not.toBe(first.orderRepository);
    expect(second.tally).toBe(first.tally);
  });

  it('gives instances the markers Midway gives them, without making them enumerable', async () => {
    const ctx = newContext();
    const listener = (await compiled(OrdersListener))(ctx) as unknown as OrdersListener;
    const viaMidway = await newContext().requestContext.getAsync(OrdersListener);
    expect(Object.keys(listener).sort()).toEqual(Object.keys(viaMidway).sort());
    expect(JSON.stringify(Object.keys(listener))).not.toContain('_req_ctx');
  });

  it('leaves a delivery whose request container is already open to Midway', async () => {
    const ctx = newContext();
    void ctx.requestContext;
    expect((await compiled(OrdersListener))(ctx)).toBeUndefined();
  });

  it.each([
    ['an @Init method', InitialisedListener],
    ['a circular dependency', Chicken],
    ['an identifier nobody registered', NeedsUnknown],
  ])('leaves a class with %s to Midway', async (_what, target) => {
    expect(await compileRequestScope(container, model, idOf(target))).toBeUndefined();
  });

  it('still emits the container lifecycle events for the objects it makes', async () => {
    const created: unknown[] = [];
    container.onObjectCreated(instance => created.push(instance));
    const listener = (await compiled(OrdersListener))(newContext());
    expect(created).toContain(listener);
    expect(created).toHaveLength(3); // the listener, its repository and its audit trail
  });

  it('emits the lifecycle events Midway emits, in its order and with its arguments', async () => {
    // What each event is about: its subject (a class or an instance) and the definition it names.
    const events: string[] = [];
    const record =
      (event: string) =>
      (subject: unknown, options: { definition?: { path?: unknown }; context?: unknown }) => {
        if (!recording) return;
        const about =
          event === 'before' ? '' : ` for ${(options.definition?.path as { name: string }).name}`;
        const kind = typeof subject === 'function' ? subject.name : nameOf(subject);
        events.push(`${event} ${kind}${about}${options.context ? ' with context' : ''}`);
      };
    let recording = false;
    container.onBeforeObjectCreated(record('before'));
    container.onObjectCreated(record('created'));
    container.onObjectInit(record('init'));
    const create = await compiled(OrdersListener);

    recording = true;
    create(newContext());
    const direct = events.splice(0);
    await newContext().requestContext.getAsync(OrdersListener);
    recording = false;
    expect(direct).toEqual(events);
    expect(direct.filter(e => e.startsWith('init'))).toHaveLength(3);
  });

  it('resolves identifiers that are both a definition and a registered object as Midway does', async () => {
    const registered = { registered: true };
    container.registerObject(idOf(Shadowed), registered);
    container.registerObject(idOf(ShadowedPrototype), registered);
    // The class needs Midway's container when Midway would make a prototype-scoped object.
    const create = await compileRequestScope(container, model, idOf(UsesShadowed));
    const direct = (create?.(newContext()) ?? {}) as Partial<UsesShadowed>;
    const viaMidway = await newContext().requestContext.getAsync(UsesShadowed);
    for (const key of ['shadowed', 'shadowedPrototype'] as const) {
      if (!(key in direct)) continue;
      expect([key, nameOf(direct[key])]).toEqual([key, nameOf(viaMidway[key])]);
    }
    expect(create !== undefined).toBe(!(viaMidway.shadowedPrototype instanceof ShadowedPrototype));
  });
});

const nameOf = (value: unknown) => (value as object).constructor.name;
