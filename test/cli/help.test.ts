// Every command's help describes every option and shows at least one example; piped help is not wrapped.
import { describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { commands } from '../../packages/cli/src/commands/registry.js';
import { GLOBAL_OPTIONS } from '../../packages/cli/src/commands/types.js';
import { withHelp } from '../../packages/cli/src/help.js';
import { runCli } from '../helpers/cli.js';

interface UsageInternals {
  getDescriptions(): Record<string, string | undefined>;
}

describe('help', () => {
  for (const entry of commands) {
    it(`${entry.name}: every option has a description, and there is an example`, async () => {
      const mod = await entry.load();
      const y = withHelp(entry.name, mod.builder(yargs([]).options(GLOBAL_OPTIONS) as never)) as unknown as {
        getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> };
        getInternalMethods(): { getUsageInstance(): UsageInternals };
      };
      const usage = y.getInternalMethods().getUsageInstance();
      const descriptions = usage.getDescriptions();
      const options = y.getOptions();
      const aliases = new Set(Object.values(options.alias).flat());
      const undocumented = Object.keys(options.key).filter((k) => !aliases.has(k) && !/[A-Z]/.test(k) && k !== 'help' && k !== 'version' && !descriptions[k]);
      expect(undocumented).toEqual([]);
      const help = await runCli(entry.name, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Examples:');
    });
  }

  it('piped help keeps each option on one line', async () => {
    const r = await runCli('sbom', '--help');
    const line = r.stdout.split('\n').find((l) => l.includes('--platform'));
    expect(line).toContain('(default: this host, linux/<arch>)');
  });
});
