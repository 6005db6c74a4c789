import { KafkaConfigError } from '../errors/kafka-component-error';

/** The largest value of a Kafka protocol int32 field, and the longest delay `setTimeout` honours. */
export const INT32_MAX = 2_147_483_647;

/** What a numeric option may be; `undefined` always passes (the default applies). */
export interface NumberRule {
  readonly min: number;
  /** Default: {@link INT32_MAX}. kafkajs writes most options as int32; longer timers fire at once. */
  readonly max?: number;
  readonly integer?: boolean;
  /** `Infinity` means "without limit" (retry attempts). */
  readonly infinite?: boolean;
  /** `null` means "not set" (kafkajs's autoCommitInterval). */
  readonly nullable?: boolean;
}

export type NumberRules<T> = { readonly [K in keyof T]?: NumberRule };

/**
 * Throws a `KafkaConfigError` naming `path` unless `value` fits `rule`. kafkajs takes NaN, 2.5 or a
 * string without complaint and fails later, far from the cause (or in a rejection nobody awaits).
 */
export function checkNumber(path: string, value: unknown, rule: NumberRule): void {
  if (value === undefined || (value === null && rule.nullable)) return;
  if (typeof value === 'number' && fits(value, rule)) return;
  const expected = describeRule(rule, value);
  throw new KafkaConfigError(
    path,
    `must be ${expected}, got ${show(value)}`,
    `Set it to ${expected}, or leave it out for the default.`,
  );
}

/** Checks each field of `object` that has a rule; `base` is the object's path (`kafka.consumerConfig`). */
export function checkNumbers<T extends object>(
  base: string,
  object: T | undefined | null,
  rules: NumberRules<T>,
): void {
  if (object === undefined || object === null) return;
  if (typeof object !== 'object') {
    throw new KafkaConfigError(
      base,
      `must be an object, got ${show(object)}`,
      'Set it to an object of options, or leave it out.',
    );
  }
  for (const name of Object.keys(rules) as (keyof T & string)[]) {
    checkNumber(`${base}.${name}`, object[name], rules[name] as NumberRule);
  }
}

function fits(value: number, rule: NumberRule): boolean {
  if (value === Infinity) return rule.infinite === true;
  return (
    Number.isFinite(value) &&
    value >= rule.min &&
    value <= (rule.max ?? INT32_MAX) &&
    (!rule.integer || Number.isInteger(value))
  );
}

/** "a whole number >= 1 or null"; the int32 bound is named only for a value beyond it. */
function describeRule(rule: NumberRule, value: unknown): string {
  const kind = rule.integer ? 'a whole number' : 'a number';
  let range = rule.max === undefined ? `>= ${rule.min}` : `from ${rule.min} to ${rule.max}`;
  if (rule.max === undefined && typeof value === 'number' && value > INT32_MAX) {
    range += ` and at most ${INT32_MAX}`;
  }
  const extras = [rule.infinite ? 'Infinity' : '', rule.nullable ? 'null' : ''].filter(Boolean);
  return `${kind} ${range}${extras.map(extra => ` or ${extra}`).join('')}`;
}

function show(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return 'a function';
  return JSON.stringify(value) ?? String(value);
}
