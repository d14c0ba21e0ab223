import type { KindHandler } from '../types.js';

// One module per group of kinds; each loads lazily. Add a line per kind.
export const kindHandlers: Record<string, () => Promise<KindHandler>> = {
};
