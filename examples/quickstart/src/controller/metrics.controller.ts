import { Controller, Get, Inject } from '@midwayjs/core';
import type { Context } from '@midwayjs/koa';
import { register } from 'prom-client';

/**
 * Prometheus scrapes this. midway-kafka registers its metrics (kafka.metrics) in prom-client's
 * default registry, so with @midwayjs/prometheus they are on its /metrics without this controller.
 */
@Controller('/')
export class MetricsController {
  @Inject()
  ctx!: Context;

  @Get('/metrics')
  async metrics() {
    this.ctx.type = register.contentType;
    return register.metrics();
  }
}
