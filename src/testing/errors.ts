/** Why the local broker could not be provided; every message also says how to fix it. */
export type LocalKafkaErrorCode =
  | 'INVALID_OPTIONS'
  | 'JAVA_MISSING'
  | 'JAVA_TOO_OLD'
  | 'MAVEN_MISSING'
  | 'ARTIFACTS_UNRESOLVABLE'
  | 'PORT_IN_USE'
  | 'STORAGE_FORMAT_FAILED'
  | 'BROKER_NOT_READY';

/** Appended to every message: an existing broker always works instead of a local one. */
export const USE_EXISTING_BROKER_HINT = 'or set KAFKA_BROKERS to use an existing broker';

/** An error of the local broker helper (`midway-kafka/testing`), with a stable `code`. */
export class LocalKafkaError extends Error {
  readonly code: LocalKafkaErrorCode;

  constructor(code: LocalKafkaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Builds an error whose message reads "<problem>. Fix: <fix>, or set KAFKA_BROKERS …". */
export function localKafkaError(
  code: LocalKafkaErrorCode,
  problem: string,
  fix: string,
  details?: string,
  cause?: unknown,
): LocalKafkaError {
  const message = `${problem}. Fix: ${fix}, ${USE_EXISTING_BROKER_HINT}.${details ? `\n${details}` : ''}`;
  return new LocalKafkaError(code, message, { cause });
}
