/**
 * One measured run of bench:peers' NestJS variant, in a process of its own: a NestJS 12
 * microservice on the Kafka transport whose `@EventPattern(BENCH_CONSUME_TOPIC)` handler is
 * empty, as bench:consume's listener. It counts BENCH_MESSAGES deliveries in the fresh group
 * BENCH_GROUP (NestJS appends `-server`) and sends the rate to the parent. NestJS 12 is published
 * as ES modules: Node (20.19 and newer) loads them here through require.
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { logLevel } from 'kafkajs';
import { benchCounter } from '../fixtures/consume-app/src/counter';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through bench/peers.bench.ts`);
  return value;
};

@Controller()
class BenchController {
  @EventPattern(env('BENCH_CONSUME_TOPIC'))
  onMessage(_data: unknown) {
    benchCounter.tick();
  }
}

@Module({ controllers: [BenchController] })
class BenchModule {}

async function main(): Promise<void> {
  const messages = Number(env('BENCH_MESSAGES'));
  const finished = benchCounter.reset(messages);
  const server = await NestFactory.createMicroservice<MicroserviceOptions>(BenchModule, {
    logger: ['error', 'warn'],
    transport: Transport.KAFKA,
    options: {
      client: {
        clientId: 'bench-nest',
        brokers: env('KAFKA_BROKERS').split(','),
        logLevel: logLevel.NOTHING,
      },
      consumer: { groupId: env('BENCH_GROUP') },
      subscribe: { fromBeginning: true },
    },
  });
  await server.listen();
  await finished;
  const rate = (messages - 1) / ((benchCounter.lastAt - benchCounter.firstAt) / 1000);
  await server.close();
  process.send!({ rate });
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
