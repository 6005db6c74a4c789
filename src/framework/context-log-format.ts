import type { IMidwayKafkaContext } from '../interface';

interface ContextLogInfo {
  ctx: IMidwayKafkaContext;
  timestamp: string;
  LEVEL: string;
  pid: number;
  message: string;
}

/**
 * Context log lines say which message they are about, and its trace when it has one:
 * `[group topic[partition]@offset traceId=… +Nms]`.
 */
export function contextLogFormat(info: ContextLogInfo): string {
  const { ctx } = info;
  const elapsed = Date.now() - (ctx.startTime ?? Date.now());
  const traceId = ctx.traceId;
  const trace = traceId === undefined ? '' : ` traceId=${traceId}`;
  return (
    `${info.timestamp} ${info.LEVEL} ${info.pid} ` +
    `[${ctx.groupId} ${ctx.topic}[${ctx.partition}]@${ctx.message?.offset}${trace} +${elapsed}ms] ${info.message}`
  );
}
