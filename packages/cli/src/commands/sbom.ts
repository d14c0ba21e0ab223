import { ProvenantError } from '@provenant/core/errors';
import type { CommandModule } from './types.js';

const mod: CommandModule = {
  command: 'sbom',
  describe: 'not built yet',
  builder: (y) => y,
  handler: async () => {
    throw new ProvenantError('UNSUPPORTED', 'sbom is not built yet');
  },
};
export const { command, describe, builder, handler } = mod;
