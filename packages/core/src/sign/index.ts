// Public API of core/sign. Other modules import only this file.
// Keys (generate/import/export, cosign's encrypted format) -> signers (key, keyless via Fulcio) ->
// Sigstore bundle v0.3 (message signature or DSSE) with Rekor and RFC 3161 witnesses.
export {
  GENERATED_KEY_ALGORITHMS,
  exportPrivateKey,
  exportPublicKey,
  generateKeyPair,
  importPrivateKey,
  importPublicKey,
  keyAlgorithm,
  publicKeyHint,
  signingHash,
  type GeneratedKeyAlgorithm,
  type KeyAlgorithm,
  type KeyPair,
} from './keys.js';
export {
  COSIGN_PRIVATE_KEY_LABEL,
  SCRYPT_PARAMETER_SETS,
  SIGSTORE_PRIVATE_KEY_LABEL,
  decryptCosignKey,
  encryptCosignKey,
  isCosignEncryptedKey,
  type EncryptCosignKeyOptions,
  type ScryptStrength,
} from './cosign-key.js';
export { loadPrivateKey, resolveKeyPassword, type PasswordSources } from './load.js';
export { KeySigner, keySigner, type KeyMaterial, type SignDataOptions, type Signature, type Signer } from './signer.js';
export { KeylessSigner, keylessSigner, type KeylessSignerOptions } from './keyless.js';
export { checkIdentityToken, resolveIdentityToken, tokenSubject, type IdentityTokenClaims, type ResolveIdentityTokenOptions } from './oidc.js';
export { signBlob, signDsse, signStatement, type SerializedBundle, type SignOptions, type WitnessOptions } from './bundle.js';
