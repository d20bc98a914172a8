module.exports = { ...require('../../jest.preset.cjs'), displayName: 'variance-reduction' };
