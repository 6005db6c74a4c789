// src/configuration.ts
import { Configuration } from '@midwayjs/core';
import * as kafka from 'midway-kafka';
import { join } from 'path';

@Configuration({
  imports: [
    kafka
  ],
  importConfigs: [join(__dirname, './config')],
})
export class MainConfiguration {
  async onReady() {
        // ...
  }
}
