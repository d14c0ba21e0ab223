import { EXIT } from '../io.js';
import type { CommandModule } from './types.js';

interface CompletionArgs {
  shell: 'bash' | 'zsh';
}

// Both scripts ask provenant itself (yargs' --get-yargs-completions), so they know every command and option.
const BASH = `# provenant completion for bash: eval "$(provenant completion bash)" (or save it in bash_completion.d)
_provenant_completions() {
  local IFS=$'\\n'
  COMPREPLY=( $(COMP_CWORD=$COMP_CWORD provenant --get-yargs-completions "\${COMP_WORDS[@]}" 2>/dev/null) )
  if [ \${#COMPREPLY[@]} -eq 0 ]; then COMPREPLY=( $(compgen -f -- "\${COMP_WORDS[COMP_CWORD]}") ); fi
}
complete -o default -F _provenant_completions provenant
`;

const ZSH = `#compdef provenant
# provenant completion for zsh: eval "$(provenant completion zsh)" (or save it as _provenant on $fpath)
_provenant() {
  local -a reply
  reply=("\${(@f)$(provenant --get-yargs-completions "\${words[@]}" 2>/dev/null)}")
  reply=("\${(@)reply%%:*}")
  if (( \${#reply} )); then compadd -- $reply; else _files; fi
}
compdef _provenant provenant
`;

const mod: CommandModule<CompletionArgs> = {
  command: 'completion <shell>',
  describe: 'print a shell completion script (bash or zsh)',
  builder: (y) =>
    y
      .positional('shell', { choices: ['bash', 'zsh'] as const, demandOption: true, describe: 'the shell to complete for' })
      .example('eval "$(provenant completion bash)"', 'complete commands and options in this bash session')
      .example('provenant completion zsh > "${fpath[1]}/_provenant"', 'install for zsh') as never,
  handler: async (args, io) => {
    io.out(args.shell === 'zsh' ? ZSH : BASH);
    return EXIT.OK;
  },
};
export const { command, describe, builder, handler } = mod;
