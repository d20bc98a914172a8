// Jest's node environment gives each test file its own globals, so typed arrays made by
// TF.js's backends fail `instanceof Float32Array` checks against the sandbox's globals.
// Sharing the host's typed-array constructors fixes that (a known TF.js-in-Jest issue).
const NodeEnvironment = require('jest-environment-node').TestEnvironment;

class TfEnvironment extends NodeEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of ['Float32Array', 'Int32Array', 'Uint8Array', 'Float64Array', 'Uint32Array', 'Int8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'ArrayBuffer']) {
      this.global[name] = globalThis[name];
    }
  }
}
module.exports = TfEnvironment;
