module.exports = { ...require('../../jest.preset.cjs'), displayName: 'muon' };
