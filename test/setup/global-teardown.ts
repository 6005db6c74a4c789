export default async function globalTeardown(): Promise<void> {
  const broker = (globalThis as { __kafkaBroker?: { stop(): Promise<void> } }).__kafkaBroker;
  await broker?.stop();
}
