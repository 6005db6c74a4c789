import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { close, createHttpRequest } from '@midwayjs/mock';
import type { Application as KoaApplication } from '@midwayjs/koa';
import { DLT_HEADERS } from 'midway-kafka';
import { startKoaExample } from '../helpers/app';
import {
  consumeFromStart,
  createMissingTopics,
  uniqueName,
  waitFor,
  withAdmin,
} from '../helpers/kafka';
import { MIDWAY_MAJOR } from '../helpers/midway';
import {
  SIGNUPS_DLT,
  SIGNUPS_TOPIC,
  type Welcome,
} from '../../examples/midway4-quickstart/src/signup';

const APP_DIR = join(__dirname, '..', '..', 'examples', 'midway4-quickstart');

/** The messages on the dead-letter topic so far, over all partitions. */
const deadLetterCount = () =>
  withAdmin(async admin =>
    (await admin.fetchTopicOffsets(SIGNUPS_DLT)).reduce((sum, p) => sum + Number(p.high), 0),
  );

/** examples/midway4-quickstart, as written, with koa, against the test broker. */
describe(`examples/midway4-quickstart on Midway ${MIDWAY_MAJOR}`, () => {
  let app: KoaApplication | undefined;
  const groupId = uniqueName('midway4-quickstart');

  beforeAll(async () => {
    await createMissingTopics([
      { topic: SIGNUPS_TOPIC, numPartitions: 3 },
      { topic: SIGNUPS_DLT, numPartitions: 1 },
    ]);
    app = await startKoaExample(APP_DIR, groupId);
  }, 120_000);

  afterAll(async () => {
    if (app) await close(app as never);
  });

  const signUp = (email: string) => createHttpRequest(app!).post('/signups').send({ email });

  it('POST /signups publishes, and the listener welcomes with ctx, @Config and the context logger', async () => {
    const email = `${uniqueName('ada')}@example.com`;
    const sent = await signUp(email);
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ topic: SIGNUPS_TOPIC });

    let welcome: Welcome | undefined;
    await waitFor(async () => {
      const found = await createHttpRequest(app!).get(`/signups/${email}`);
      welcome = found.status === 200 ? (found.body as Welcome) : undefined;
      return welcome !== undefined;
    }, `${email} welcomed`);
    expect(welcome).toEqual({
      email,
      greeting: 'Welcome aboard',
      partition: sent.body.partition,
      offset: String(sent.body.offset),
      attempt: 1,
    });
    // The Kafka context format, though koa is the main framework (Midway 4 passes none itself).
    const coordinates = `[${groupId} ${SIGNUPS_TOPIC}[${sent.body.partition}]@${sent.body.offset} +`;
    const log = () => readFileSync(join(APP_DIR, 'logs', 'midway-app.log'), 'utf8');
    await waitFor(() => log().includes(`welcomed ${email}`), 'the welcome log line');
    const line = log()
      .split('\n')
      .find(l => l.includes(`welcomed ${email}`));
    expect(line).toContain(coordinates);
  });

  it('an address that is not one goes to signups.DLT after one attempt', async () => {
    const email = uniqueName('not-an-address');
    const before = await deadLetterCount();
    expect((await signUp(email)).status).toBe(202);
    const deadLetters = await consumeFromStart(SIGNUPS_DLT, before + 1, message => ({
      value: String(message.value),
      headers: message.headers ?? {},
    }));
    const mine = deadLetters.find(m => m.value === JSON.stringify({ email }));
    expect(mine).toBeDefined();
    expect(String(mine!.headers[DLT_HEADERS.exceptionFqcn])).toBe('KafkaNonRetriableError');
    expect(String(mine!.headers[DLT_HEADERS.attempts])).toBe('1');
  });
});
