import { join } from 'node:path';
import { Configuration } from '@midwayjs/core';
import * as koa from '@midwayjs/koa';
import * as kafka from 'midway-kafka';

@Configuration({
  imports: [koa, kafka],
  importConfigs: [join(__dirname, 'config')],
})
export class MainConfiguration {}
