import { publicDecrypt, constants, type KeyObject } from 'node:crypto';
import { ecdsaSignatureValues } from '../crypto.js';

// node:crypto cannot verify a signature over a digest it did not compute itself, yet verifying against
// "sha256:<hex>" needs exactly that. ECDSA (P-256/P-384) is checked here with BigInt arithmetic, RSA
// PKCS#1 v1.5 by recovering the DigestInfo. Only used when the caller has a digest, not the artifact.

interface Curve {
  p: bigint;
  a: bigint;
  n: bigint;
  gx: bigint;
  gy: bigint;
  bits: number;
}

const CURVES: Record<string, Curve> = {
  'P-256': {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    a: 0xffffffff00000001000000000000000000000000fffffffffffffffffffffffcn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
    bits: 256,
  },
  'P-384': {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    a: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffcn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
    bits: 384,
  },
};

type Point = readonly [bigint, bigint, bigint]; // Jacobian X, Y, Z

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function inverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [mod(a, m), m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, m);
}

function double(P: Point, c: Curve): Point {
  const [X, Y, Z] = P;
  if (Y === 0n || Z === 0n) return [0n, 1n, 0n];
  const p = c.p;
  const YY = mod(Y * Y, p);
  const S = mod(4n * X * YY, p);
  const ZZ = mod(Z * Z, p);
  const M = mod(3n * X * X + c.a * ZZ * ZZ, p);
  const X3 = mod(M * M - 2n * S, p);
  const Y3 = mod(M * (S - X3) - 8n * YY * YY, p);
  const Z3 = mod(2n * Y * Z, p);
  return [X3, Y3, Z3];
}

function add(P: Point, Q: Point, c: Curve): Point {
  if (P[2] === 0n) return Q;
  if (Q[2] === 0n) return P;
  const p = c.p;
  const Z1Z1 = mod(P[2] * P[2], p);
  const Z2Z2 = mod(Q[2] * Q[2], p);
  const U1 = mod(P[0] * Z2Z2, p);
  const U2 = mod(Q[0] * Z1Z1, p);
  const S1 = mod(P[1] * Q[2] * Z2Z2, p);
  const S2 = mod(Q[1] * P[2] * Z1Z1, p);
  if (U1 === U2) return S1 === S2 ? double(P, c) : [0n, 1n, 0n];
  const H = mod(U2 - U1, p);
  const R = mod(S2 - S1, p);
  const HH = mod(H * H, p);
  const HHH = mod(H * HH, p);
  const V = mod(U1 * HH, p);
  const X3 = mod(R * R - HHH - 2n * V, p);
  const Y3 = mod(R * (V - X3) - S1 * HHH, p);
  const Z3 = mod(P[2] * Q[2] * H, p);
  return [X3, Y3, Z3];
}

/** u1*G + u2*Q by interleaved double-and-add (Shamir's trick). */
function twoMul(u1: bigint, u2: bigint, G: Point, Q: Point, c: Curve): Point {
  const GQ = add(G, Q, c);
  let R: Point = [0n, 1n, 0n];
  for (let i = c.bits - 1; i >= 0; i--) {
    R = double(R, c);
    const b1 = (u1 >> BigInt(i)) & 1n;
    const b2 = (u2 >> BigInt(i)) & 1n;
    if (b1 && b2) R = add(R, GQ, c);
    else if (b1) R = add(R, G, c);
    else if (b2) R = add(R, Q, c);
  }
  return R;
}

function b64uInt(s: string | undefined): bigint {
  return BigInt('0x' + Buffer.from(s ?? '', 'base64url').toString('hex'));
}

function verifyEcdsaPrehashed(digest: Buffer, key: KeyObject, signature: Buffer): boolean {
  const jwk = key.export({ format: 'jwk' });
  const c = jwk.crv ? CURVES[jwk.crv] : undefined;
  if (!c) return false;
  // The same signature rule as every other path (crypto.ts): strict DER, 0 < r, s < n, either s.
  const values = ecdsaSignatureValues(key, signature);
  if (!values) return false;
  const { r, s } = values;
  let e = BigInt('0x' + (digest.toString('hex') || '0'));
  if (digest.length * 8 > c.bits) e >>= BigInt(digest.length * 8 - c.bits);
  const w = inverse(s, c.n);
  const Q: Point = [b64uInt(jwk.x), b64uInt(jwk.y), 1n];
  const X = twoMul(mod(e * w, c.n), mod(r * w, c.n), [c.gx, c.gy, 1n], Q, c);
  if (X[2] === 0n) return false;
  const zInv = inverse(X[2], c.p);
  const x = mod(X[0] * zInv * zInv, c.p);
  return mod(x, c.n) === r;
}

const DIGEST_INFO_PREFIX: Record<string, string> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

function verifyRsaPrehashed(digest: Buffer, algorithm: string, key: KeyObject, signature: Buffer): boolean {
  const prefix = DIGEST_INFO_PREFIX[algorithm];
  if (!prefix) return false;
  try {
    const recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
    return recovered.equals(Buffer.concat([Buffer.from(prefix, 'hex'), digest]));
  } catch {
    return false;
  }
}

/** Verifies a signature made over `digest` (already hashed with `algorithm`). Ed25519 cannot be prehashed. */
export function verifyPrehashed(digest: Buffer, algorithm: string, key: KeyObject, signature: Buffer): boolean {
  if (key.asymmetricKeyType === 'ec') return verifyEcdsaPrehashed(digest, key, signature);
  if (key.asymmetricKeyType === 'rsa') return verifyRsaPrehashed(digest, algorithm, key, signature);
  return false;
}
