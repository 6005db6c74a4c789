/**
 * A NestJS 12 microservice (Kafka transport) and a NestJS `ClientKafka`, in their own OS process:
 * NestJS 12 is published as ES modules, which jest's module system cannot load, while Node
 * loads them here. Started by nest-peer.ts with `node -r ts-node/register/transpile-only`.
 *
 * - The microservice answers `@MessagePattern(NEST_SUM_TOPIC)` with a sum and
 *   `@MessagePattern(NEST_FAIL_TOPIC)` with an `RpcException`, `NEST_CRASH_TOPIC` with a plain error.
 * - The client calls whatever topic the parent asks for over IPC and reports the outcome.
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientKafka,
  MessagePattern,
  Payload,
  RpcException,
  Transport,
  type MicroserviceOptions,
} from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { runChildApp } from '../../helpers/child-main';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: this process is started by nest-peer.ts`);
  return value;
};

const brokers = env('NEST_BROKERS').split(',');

@Controller()
class CalculatorController {
  @MessagePattern(env('NEST_SUM_TOPIC'))
  sum(@Payload() data: { numbers: number[] }) {
    return { sum: data.numbers.reduce((total, n) => total + n, 0), by: 'nest' };
  }

  @MessagePattern(env('NEST_FAIL_TOPIC'))
  refuse(@Payload() data: { what: string }) {
    throw new RpcException({ message: `cannot ${data.what}`, code: 'NEST_REFUSED' });
  }

  @MessagePattern(env('NEST_CRASH_TOPIC'))
  crash() {
    throw new Error('a bug inside the NestJS service');
  }
}

@Module({ controllers: [CalculatorController] })
class CalculatorModule {}

type Command = { type: 'send'; id: number; pattern: string; data: unknown };

async function main(): Promise<() => Promise<unknown>> {
  const server = await NestFactory.createMicroservice<MicroserviceOptions>(CalculatorModule, {
    logger: ['error', 'warn'],
    transport: Transport.KAFKA,
    options: {
      client: { clientId: env('NEST_CLIENT_ID'), brokers },
      consumer: { groupId: env('NEST_GROUP_ID') },
      // Fresh topics: reading them from the start leaves no window in which a request is missed.
      subscribe: { fromBeginning: true },
    },
  });
  await server.listen();

  const client = new ClientKafka({
    client: { clientId: env('NEST_CLIENT_ID'), brokers },
    consumer: { groupId: env('NEST_GROUP_ID') },
    subscribe: { fromBeginning: true },
  });
  for (const topic of env('NEST_CALLS').split(',')) client.subscribeToResponseOf(topic);
  await client.connect();
  // send() needs the reply partitions assigned to this client: wait for its group join.
  await new Promise<void>(resolve => {
    const check = () =>
      Object.keys(client.getConsumerAssignments()).length > 0 ? resolve() : setTimeout(check, 50);
    check();
  });

  process.on('message', (command: Command) => {
    if (command.type !== 'send') return;
    lastValueFrom(client.send(command.pattern, command.data)).then(
      value => process.send?.({ type: 'result', id: command.id, ok: true, value }),
      (error: unknown) =>
        process.send?.({
          type: 'result',
          id: command.id,
          ok: false,
          error: error instanceof Error ? { message: error.message } : error,
        }),
    );
  });
  return () => Promise.allSettled([client.close(), server.close()]);
}

runChildApp(main);
