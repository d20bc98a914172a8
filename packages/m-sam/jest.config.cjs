module.exports = { ...require('../../jest.preset.cjs'), displayName: 'm-sam' };
