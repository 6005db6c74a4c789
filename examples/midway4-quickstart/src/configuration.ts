import { join } from 'node:path';
import { CommonJSFileDetector, Configuration } from '@midwayjs/core';
import * as koa from '@midwayjs/koa';
import * as kafka from 'midway-kafka';

@Configuration({
  imports: [koa, kafka],
  importConfigs: [join(__dirname, 'config')],
  // Midway 4 loads only what the configuration asks for: without a detector, src/ is not
  // scanned and no controller or listener is found. On Midway 3 this is the default spelled out.
  detector: new CommonJSFileDetector(),
})
export class MainConfiguration {}
