import { logLevel, type logCreator, type LogEntry } from 'kafkajs';
import type { ILogger } from '@midwayjs/core';

/** Routes kafkajs's own log lines into a Midway logger, keeping kafkajs's level and namespace. */
export function createLogCreator(logger: ILogger): logCreator {
  return () => (entry: LogEntry) => {
    const { namespace, label: _label, log } = entry;
    const { message, timestamp: _ts, logger: _name, ...extra } = log;
    const detail = Object.keys(extra).length > 0 ? ` ${safeStringify(extra)}` : '';
    const line = `[kafkajs] [${namespace}] ${message}${detail}`;
    switch (entry.level) {
      case logLevel.ERROR:
        return logger.error(line);
      case logLevel.WARN:
        return logger.warn(line);
      case logLevel.INFO:
        return logger.info(line);
      default:
        return logger.debug(line);
    }
  };
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
