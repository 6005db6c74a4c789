import { CommonJSFileDetector, Configuration } from '@midwayjs/core';

/** The Midway major this run uses (MIDWAY_VERSION; see compat/midway.js). */
export const MIDWAY_MAJOR: 3 | 4 = process.env.MIDWAY_VERSION === '4' ? 4 : 3;

/** A configuration that declares Midway 4's file detector, for apps whose own does not. */
@Configuration({ detector: new CommonJSFileDetector() })
class Midway4FileDetector {}

/**
 * What `createApp` needs besides its usual options to boot an app written for Midway 3 on the
 * Midway major of this run. Midway 4 no longer scans the app's source files unless the
 * configuration declares `detector: new CommonJSFileDetector()` (docs/midway-3-and-4.md): for
 * the examples that follow Midway 3's guide word for word, the tests add that declaration from
 * outside instead of changing them.
 */
export function midway3AppOptions(): { imports?: object[] } {
  return MIDWAY_MAJOR === 4 ? { imports: [{ Configuration: Midway4FileDetector }] } : {};
}
