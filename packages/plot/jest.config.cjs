// No TF.js here: the plain Node environment is enough.
module.exports = { ...require('../../jest.preset.cjs'), displayName: 'plot', testEnvironment: 'node' };
