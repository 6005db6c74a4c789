// src/configuration.ts
import { App, Configuration } from '@midwayjs/core';
import * as kafka from 'midway-kafka';
import { Application } from 'midway-kafka';
import { join } from 'path';

@Configuration({
  imports: [
    kafka
  ],
  importConfigs: [join(__dirname, './config')],
})
export class MainConfiguration {
  @App()
  app: Application;

  async onReady() {
    // The consumer below counts its deliveries in the app attribute 'total'.
    this.app.setAttr('total', 0);
  }
}
