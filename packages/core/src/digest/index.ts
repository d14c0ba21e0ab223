// Public API of core/digest. Other modules import only this file.
export {
  DIGEST_HEX_LENGTH,
  digestAlgorithm,
  formatDigest,
  isDigest,
  isDigestAlgorithm,
  parseDigest,
  type Digest,
  type DigestAlgorithm,
  type ParsedDigest,
} from './format.js';
export { digestOf, hashFile, hashStream, type HashOptions, type HashResult } from './hash.js';
export { DigestCheck, VerifyingTransform, verifyBytes, verifyFile, verifyWhileReading, verifyingTransform, type Expectation } from './verify.js';
