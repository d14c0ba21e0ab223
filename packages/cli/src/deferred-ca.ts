// NODE_EXTRA_CA_CERTS, read when the first TLS context needs it instead of at start-up.
//
// Node 20 reads the file NODE_EXTRA_CA_CERTS names at start-up, before any JavaScript runs: OpenSSL
// parses Node's bundled roots and every certificate in the file into the process's root store
// (nodejs/node#40524). For a system bundle that is 40-80 ms of every run (measured on a 2-core CI
// machine), paid as much by `provenant sbom` or a decision against a plain-http loopback registry as by
// a run that opens a TLS connection; `node -e 0` takes about three times as long with it as without.
// Later Nodes load it off the start-up path (nodejs/node#59856); Node 20 has no flag for it.
//
// So bin/provenant.cjs is started by sh, which moves the variable's value to DEFERRED_EXTRA_CA_VAR and
// runs node without NODE_EXTRA_CA_CERTS. restoreExtraCaCerts then, first thing in the process:
// - puts NODE_EXTRA_CA_CERTS back into the environment, so that child processes see what the user set;
// - makes every TLS context that names no `ca` of its own trust Node's bundled roots plus the file's
//   certificates, as Node would have: client connections (node:https, fetch, the registry client) and
//   servers alike. The file is read, and the one shared context made, when the first such context is
//   created; a run that opens no TLS connection never reads it.
// A context with its own `ca` trusts only that, as under Node's own handling of the variable.
//
// A file that cannot be read is ignored, and one holding a certificate that does not parse is read up
// to it, with the warning Node prints for either; TLS goes on with the bundled roots and what was read.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

/** Set by bin/provenant.cjs's sh launcher to the NODE_EXTRA_CA_CERTS it removed. */
export const DEFERRED_EXTRA_CA_VAR = 'PROVENANT_DEFERRED_NODE_EXTRA_CA_CERTS';

// The tls.createSecureContext options that shape the context (Node 20 and 22, lib/_tls_common.js and
// lib/internal/tls/secure-context.js); all others (servername, ALPN, session, rejectUnauthorized, ...)
// are read by the socket. A context asked for with none of them set is the default context, and one
// made once serves every such call, as Node's shared root store does.
const CONTEXT_OPTIONS = [
  'allowPartialTrustChain',
  'ca',
  'cert',
  'ciphers',
  'clientCertEngine',
  'crl',
  'dhparam',
  'ecdhCurve',
  'honorCipherOrder',
  'key',
  'maxVersion',
  'minVersion',
  'passphrase',
  'pfx',
  'privateKeyEngine',
  'privateKeyIdentifier',
  'secureOptions',
  'secureProtocol',
  'sessionIdContext',
  'sessionTimeout',
  'sigalgs',
  'ticketKeys',
] as const;

// The blocks Node's reader takes (PEM_read_bio_X509); other blocks and text between them are skipped.
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;
/** A certificate's identity for de-duplication: its base64 body without line breaks. */
const body = (pem: string): string => pem.replace(/-----[^-]+-----|\s+/g, '');

type CreateSecureContext = typeof tls.createSecureContext;

/** Whether Node's roots are OpenSSL's store rather than its bundled ones (--use-openssl-ca). */
function usesOpenSslStore(): boolean {
  const flag = /(?:^|\s)--use-openssl-ca(?:\s|$)/;
  return process.execArgv.includes('--use-openssl-ca') || flag.test(process.env.NODE_OPTIONS ?? '');
}

/**
 * Takes the file bin/provenant.cjs deferred (env[DEFERRED_EXTRA_CA_VAR]) back: NODE_EXTRA_CA_CERTS is
 * set again and TLS contexts without their own `ca` trust its certificates. Returns whether there was one.
 */
export function restoreExtraCaCerts(env: NodeJS.ProcessEnv): boolean {
  const file = env[DEFERRED_EXTRA_CA_VAR];
  delete env[DEFERRED_EXTRA_CA_VAR];
  if (file === undefined || file === '') return false;
  env.NODE_EXTRA_CA_CERTS = file;
  const original: CreateSecureContext = tls.createSecureContext;

  // Read on the first context without its own ca: the file's certificates, and the one context for the
  // default options (as Node shares its root store between them).
  let extra: string[] | undefined;
  let shared: tls.SecureContext | undefined;
  // The warning Node prints, on stderr as Node does.
  const ignore = (error: unknown): void => void process.stderr.write(`Warning: Ignoring extra certs from \`${file}\`, load failed: ${error instanceof Error ? error.message : String(error)}\n`);
  const readExtra = (): string[] => {
    const certs: string[] = [];
    try {
      // As Node reads the file: its certificates in order, up to the first one that does not parse
      // (kept: those before it). Those among Node's bundled roots are left out (a system bundle mostly
      // repeats them; each costs OpenSSL time), unless the roots are OpenSSL's (--use-openssl-ca).
      const bundled = new Set(usesOpenSslStore() ? [] : tls.rootCertificates.map(body));
      for (const pem of readFileSync(file, 'utf8').match(PEM_CERTIFICATE) ?? []) {
        if (!bundled.has(body(pem))) certs.push(new X509Certificate(pem).toString());
      }
    } catch (error) {
      ignore(error);
    }
    return certs;
  };
  // A context made as Node makes it (its roots as Node is configured to have them), then given the
  // file's certificates: Node copies the roots into a store of the context's own and adds them there
  // (~5 ms after the first context; the first also parses the roots). The trust is what Node's root
  // store would hold under the variable. (addCACert also names them as acceptable issuers to a client a
  // server asks for a certificate; provenant's one server, the admission webhook, asks none.)
  const withExtra = (context: tls.SecureContext): tls.SecureContext => {
    extra ??= readExtra();
    const native = (context as unknown as { context: { addCACert(pem: string): void } }).context;
    for (const [i, pem] of extra.entries()) {
      try {
        native.addCACert(pem);
      } catch (error) {
        ignore(error);
        extra = extra.slice(0, i);
        break;
      }
    }
    return context;
  };

  const createSecureContext: CreateSecureContext = (contextOptions) => {
    // A falsy ca (absent, null, '') means the default roots to Node; anything else replaces them.
    if (contextOptions?.ca) return original(contextOptions);
    const record = contextOptions as Record<string, unknown> | undefined;
    if (record === undefined || CONTEXT_OPTIONS.every((name) => record[name] === undefined || record[name] === null)) return (shared ??= withExtra(original()));
    return withExtra(original(contextOptions));
  };
  // node:tls's connect, node:https, http2 and fetch (undici) all create contexts through this export.
  tls.createSecureContext = createSecureContext;
  return true;
}
