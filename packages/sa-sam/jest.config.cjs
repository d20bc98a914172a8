module.exports = { ...require('../../jest.preset.cjs'), displayName: 'sa-sam' };
