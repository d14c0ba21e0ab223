import { ProvenantError } from '@provenant/core/errors';
import type { CommandModule } from './types.js';

const mod: CommandModule = {
  command: 'pipeline',
  describe: 'not built yet',
  builder: (y) => y,
  handler: async () => {
    throw new ProvenantError('UNSUPPORTED', 'pipeline is not built yet');
  },
};
export const { command, describe, builder, handler } = mod;
