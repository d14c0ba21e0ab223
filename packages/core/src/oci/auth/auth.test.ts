import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProvenantError } from '../../errors.js';
import { parseRetryAfter } from '../client.js';
import { parseWwwAuthenticate } from './challenge.js';
import { configKeyRegistry, credentialsFromDockerConfig, defaultCredentials, dockerConfigPaths, parseDockerConfig } from './credentials.js';

describe('parseWwwAuthenticate', () => {
  const cases: Array<[string, Array<{ scheme: string; params: Record<string, string> }>]> = [
    [
      'Bearer realm="https://auth.example.test/token",service="registry.example.test",scope="repository:library/alpine:pull"',
      [{ scheme: 'bearer', params: { realm: 'https://auth.example.test/token', service: 'registry.example.test', scope: 'repository:library/alpine:pull' } }],
    ],
    ['Basic realm="provenant-test"', [{ scheme: 'basic', params: { realm: 'provenant-test' } }]],
    ['basic realm=unquoted', [{ scheme: 'basic', params: { realm: 'unquoted' } }]],
    [
      'Basic realm="a", Bearer realm="https://t.example.test/t", service="s"',
      [
        { scheme: 'basic', params: { realm: 'a' } },
        { scheme: 'bearer', params: { realm: 'https://t.example.test/t', service: 's' } },
      ],
    ],
    ['Bearer realm="x",error="insufficient_scope",scope="repository:a:pull,push"', [{ scheme: 'bearer', params: { realm: 'x', error: 'insufficient_scope', scope: 'repository:a:pull,push' } }]],
    ['Bearer realm="with \\"escaped\\" quote"', [{ scheme: 'bearer', params: { realm: 'with "escaped" quote' } }]],
    ['Bearer REALM="case"', [{ scheme: 'bearer', params: { realm: 'case' } }]],
    ['Negotiate', [{ scheme: 'negotiate', params: {} }]],
    ['', []],
    ['realm="no scheme"', []],
    ['Bearer realm="unterminated', [{ scheme: 'bearer', params: {} }]],
  ];
  it.each(cases)('%s', (header, expected) => {
    expect(parseWwwAuthenticate(header)).toEqual(expected);
  });
  it('reads several header lines and ignores undefined', () => {
    expect(parseWwwAuthenticate(['Basic realm="a"', 'Bearer realm="b"']).map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
  });
});

describe('docker config credentials', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provenant-creds-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('maps config keys to registry names', () => {
    expect(configKeyRegistry('https://index.docker.io/v1/')).toBe('docker.io');
    expect(configKeyRegistry('registry-1.docker.io')).toBe('docker.io');
    expect(configKeyRegistry('http://Registry.Example.Test:5000/some/path')).toBe('registry.example.test:5000');
    expect(configKeyRegistry('127.0.0.1:5000')).toBe('127.0.0.1:5000');
  });

  it('decodes auths entries: base64 auth, username/password, identity and registry tokens', async () => {
    const config = parseDockerConfig(
      JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': { auth: Buffer.from('hub:pa:ss').toString('base64') },
          'registry.example.test': { username: 'u', password: 'p' },
          'id.example.test': { auth: Buffer.from('u:').toString('base64'), identitytoken: 'refresh' },
          'tok.example.test': { registrytoken: 'bearer-token' },
          'empty.example.test': {},
        },
      }),
    );
    expect(await credentialsFromDockerConfig(config, 'docker.io')).toEqual({ kind: 'basic', username: 'hub', password: 'pa:ss' });
    expect(await credentialsFromDockerConfig(config, 'registry.example.test')).toEqual({ kind: 'basic', username: 'u', password: 'p' });
    expect(await credentialsFromDockerConfig(config, 'id.example.test')).toEqual({ kind: 'identityToken', username: 'u', token: 'refresh' });
    expect(await credentialsFromDockerConfig(config, 'tok.example.test')).toEqual({ kind: 'registryToken', token: 'bearer-token' });
    expect(await credentialsFromDockerConfig(config, 'empty.example.test')).toBeUndefined();
    expect(await credentialsFromDockerConfig(config, 'other.example.test')).toBeUndefined();
  });

  it('rejects malformed configs with CREDENTIALS_ERROR', async () => {
    for (const text of ['not json', '{"auths": []}', '{"credHelpers": {"x": 1}}']) {
      expect(() => parseDockerConfig(text)).toThrow(ProvenantError);
    }
    const config = parseDockerConfig(JSON.stringify({ auths: { 'x.example.test': { auth: Buffer.from('nocolon').toString('base64') } } }));
    await expect(credentialsFromDockerConfig(config, 'x.example.test')).rejects.toMatchObject({ code: 'CREDENTIALS_ERROR' });
    await expect(credentialsFromDockerConfig(parseDockerConfig('{"credHelpers":{"x.example.test":"../evil"}}'), 'x.example.test')).rejects.toMatchObject({ code: 'CREDENTIALS_ERROR' });
  });

  it('looks in REGISTRY_AUTH_FILE, podman auth.json, then DOCKER_CONFIG', async () => {
    expect(dockerConfigPaths({ REGISTRY_AUTH_FILE: '/a.json', XDG_RUNTIME_DIR: '/run/u', DOCKER_CONFIG: '/d' })).toEqual(['/a.json', '/run/u/containers/auth.json', '/d/config.json']);
    expect(dockerConfigPaths({ HOME: '/home/x' })).toEqual(['/home/x/.docker/config.json']);
    const first = join(dir, 'first.json');
    await writeFile(first, JSON.stringify({ auths: { 'a.example.test': { username: 'first', password: '1' } } }));
    await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { 'a.example.test': { username: 'second', password: '2' }, 'b.example.test': { username: 'b', password: '3' } } }));
    const resolve = defaultCredentials({ env: { REGISTRY_AUTH_FILE: first, DOCKER_CONFIG: dir } });
    expect(await resolve('a.example.test')).toMatchObject({ username: 'first' });
    expect(await resolve('b.example.test')).toMatchObject({ username: 'b' });
    expect(await resolve('c.example.test')).toBeUndefined();
    // Environment credentials win, limited to PROVENANT_REGISTRY_HOST when set.
    const env = defaultCredentials({ env: { PROVENANT_REGISTRY_USERNAME: 'e', PROVENANT_REGISTRY_PASSWORD: 'p', PROVENANT_REGISTRY_HOST: 'a.example.test', DOCKER_CONFIG: dir } });
    expect(await env('a.example.test')).toEqual({ kind: 'basic', username: 'e', password: 'p' });
    expect(await env('b.example.test')).toMatchObject({ username: 'b' });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
