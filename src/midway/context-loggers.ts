import { REQUEST_CTX_LOGGER_CACHE_KEY, type ILogger } from '@midwayjs/core';
import type { Context } from '../interface';

/** Midway's logger service: the loggers, and the factory of context loggers. */
export interface LoggerService {
  getLogger(name: string): ILogger;
  createContextLogger(ctx: Context, logger: ILogger, options: { contextFormat: unknown }): ILogger;
}

/** The fields of a framework that only one major has. */
interface FrameworkFields {
  /** Midway 3: handed to every context logger the framework makes. */
  contextLoggerFormat?: unknown;
  /** Midway 4: the logger behind `ctx.logger`. */
  frameworkLoggerName?: string;
}

/**
 * Makes the context loggers of `framework` use `contextFormat`. Midway 3's BaseFramework hands
 * its `contextLoggerFormat` field (set at init) to every context logger it makes: setting the
 * field is enough. Midway 4's has no such field and leaves the format to the logger's
 * configuration (its `contextFormat`, one for every framework of the app, HTTP requests
 * included): Kafka lines would not say which message they are about. There the returned loggers
 * are to make the framework's context loggers instead.
 */
export function useContextFormat(
  framework: object,
  loggers: LoggerService,
  contextFormat: unknown,
): FormattedContextLoggers | undefined {
  const fields = framework as FrameworkFields;
  if ('contextLoggerFormat' in fields) {
    fields.contextLoggerFormat = contextFormat;
    return undefined;
  }
  return new FormattedContextLoggers(
    loggers,
    fields.frameworkLoggerName ?? 'appLogger',
    contextFormat,
  );
}

/**
 * The context loggers of Kafka messages where Midway does not pass the format (Midway 4): made
 * and cached the way its BaseFramework does (the default one on `ctx._logger`, named ones in the
 * context's logger cache), each with the Kafka context format.
 */
export class FormattedContextLoggers {
  constructor(
    private readonly loggers: LoggerService,
    private readonly defaultName: string,
    private readonly contextFormat: unknown,
  ) {}

  get(ctx: Context, name?: string): ILogger {
    const cached = ctx as Context & { _logger?: ILogger };
    if (!name || name === this.defaultName) {
      return (cached._logger ??= this.create(ctx, this.defaultName));
    }
    let named = ctx.getAttr<Map<string, ILogger> | undefined>(REQUEST_CTX_LOGGER_CACHE_KEY);
    if (!named) {
      named = new Map();
      ctx.setAttr(REQUEST_CTX_LOGGER_CACHE_KEY, named);
    }
    let logger = named.get(name);
    if (!logger) {
      logger = this.create(ctx, name);
      named.set(name, logger);
    }
    return logger;
  }

  private create(ctx: Context, name: string): ILogger {
    return this.loggers.createContextLogger(ctx, this.loggers.getLogger(name), {
      contextFormat: this.contextFormat,
    });
  }
}
