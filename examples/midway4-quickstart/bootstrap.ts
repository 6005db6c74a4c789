// How the app starts in production: `node bootstrap.js` after `tsc`, or
// `npx ts-node --transpile-only bootstrap.ts` from the sources. SIGTERM stops it gracefully.
import { Bootstrap } from '@midwayjs/bootstrap';

Bootstrap.configure({ appDir: __dirname }).run();
