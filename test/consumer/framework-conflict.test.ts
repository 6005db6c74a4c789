import { KafkaComponentError } from 'midway-kafka';
import { fixture, startApp } from '../helpers/app';
import { MIDWAY_MAJOR } from '../helpers/midway';

/**
 * @midwayjs/kafka and midway-kafka both claim the `kafka` framework and configuration. On Midway
 * 4 the real @midwayjs/kafka is imported (compat/midway4 has it); on Midway 3 a stand-in that
 * registers the way its 3.x does (fixtures/midwayjs-kafka-3).
 */
describe(`midway-kafka next to @midwayjs/kafka (Midway ${MIDWAY_MAJOR})`, () => {
  it.each(['conflict-after', 'conflict-before'])(
    '%s: the app does not start, and the error says which package to remove',
    async name => {
      const started = startApp(fixture(__dirname, name));
      await expect(started).rejects.toBeInstanceOf(KafkaComponentError);
      await expect(started).rejects.toMatchObject({
        code: 'FRAMEWORK_CONFLICT',
        message: expect.stringMatching(
          /@midwayjs\/kafka .*Remove @midwayjs\/kafka from `imports` in your configuration\.ts and from package\.json/,
        ),
      });
    },
  );
});
