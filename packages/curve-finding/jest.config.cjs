module.exports = { ...require('../../jest.preset.cjs'), displayName: 'curve-finding' };
