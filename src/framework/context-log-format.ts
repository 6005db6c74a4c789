import type { IMidwayKafkaContext } from '../interface';

interface ContextLogInfo {
  ctx: IMidwayKafkaContext;
  timestamp: string;
  LEVEL: string;
  pid: number;
  message: string;
}

/** Context log lines say which message they are about: `[group topic[partition]@offset +Nms]`. */
export function contextLogFormat(info: ContextLogInfo): string {
  const { ctx } = info;
  const elapsed = Date.now() - (ctx.startTime ?? Date.now());
  return (
    `${info.timestamp} ${info.LEVEL} ${info.pid} ` +
    `[${ctx.groupId} ${ctx.topic}[${ctx.partition}]@${ctx.message?.offset} +${elapsed}ms] ${info.message}`
  );
}
