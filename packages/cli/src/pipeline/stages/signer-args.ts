import { ProvenantError } from '@provenant/core/errors';
import { readSmallFile, resolveSigning } from '../../commands/sign.js';
import type { PipelineStage } from '../types.js';
import { signingStageWith } from './signing.js';

export interface PipelineSigningArgs {
  key?: string | undefined;
  passwordFile?: string | undefined;
  identityToken?: string | undefined;
  fulcioUrl?: string | undefined;
  rekorUrl?: string | undefined;
  tsaUrl?: string | undefined;
  trustedRoot?: string | undefined;
}

/** `--key` or `--identity-token` replace the default ephemeral-key sign stage; nothing given keeps it. */
export async function signerSourceFromArgs(args: PipelineSigningArgs): Promise<PipelineStage | undefined> {
  if (args.key === undefined && args.identityToken === undefined) return undefined;
  const resolved = await resolveSigning({ ...args, bundle: '-' });
  let trust: import('@provenant/core/verify').TrustMaterial | undefined;
  let publicKeyPem: string | undefined;
  if (resolved.signer.kind === 'keyless') {
    // Keyless evidence is verified like any keyless bundle: against an explicit trusted root.
    if (!args.trustedRoot) throw new ProvenantError('USAGE', 'keyless pipeline signing needs --trusted-root to verify what it signed');
    const { loadTrustedRoot } = await import('@provenant/core/verify');
    trust = loadTrustedRoot(JSON.parse((await readSmallFile(args.trustedRoot, 'trusted root')).toString('utf8')));
  } else {
    publicKeyPem = (resolved.signer as import('@provenant/core/sign').KeySigner).publicKeyPem;
  }
  return signingStageWith({ kind: 'resolved', signer: resolved.signer, options: resolved.options, description: resolved.description, publicKeyPem, trust });
}
