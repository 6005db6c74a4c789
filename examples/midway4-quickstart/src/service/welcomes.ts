import { Provide, Scope, ScopeEnum } from '@midwayjs/core';
import type { Welcome } from '../signup';

/** The welcomes sent so far, in memory; GET /signups/:email reads them. */
@Provide()
@Scope(ScopeEnum.Singleton)
export class Welcomes {
  private readonly byEmail = new Map<string, Welcome>();

  add(welcome: Welcome): void {
    this.byEmail.set(welcome.email, welcome);
  }

  get(email: string): Welcome | undefined {
    return this.byEmail.get(email);
  }
}
