'use strict';
/** jest's resolver with compat/midway.js's switch: `@midwayjs/*` from the selected Midway major. */
const { redirectDir, createCoreCopyGuard } = require('./midway');

const guardCoreCopy = createCoreCopyGuard();

module.exports = (request, options) => {
  const basedir = redirectDir(request, options.basedir) ?? options.basedir;
  const resolved = options.defaultResolver(request, { ...options, basedir });
  guardCoreCopy(resolved);
  return resolved;
};
