/**
 * deploy/ checked as far as this machine allows:
 * - the Caddyfile validates with Debian's `caddy` (`caddy validate`), both for
 *   a real domain (automatic HTTPS) and for a local trial (`tls internal`);
 * - the Compose file parses (YAML with its anchors) and holds together: two or
 *   more relays on one Redis with its persistence stated, Caddy in front and the
 *   only trusted proxy; `docker compose config` as well when docker has compose;
 * - every Kubernetes manifest validates against the Kubernetes OpenAPI schema
 *   of its kind (the `kubernetes-models` package: ajv validators generated from
 *   the upstream schemas), plus the cross-references a schema cannot see
 *   (selectors, named ports, the Ingress backend, probes);
 * - the Dockerfile's build steps are the commands CI runs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { Namespace, Service } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';

const root = resolve(import.meta.dirname, '..');
const deploy = join(root, 'deploy');
const relayMain = readFileSync(join(root, 'src/relay/main.ts'), 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'tandem-deploy-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Obj = Record<string, any>;

/** Every environment variable a deploy file sets for the relay must be one main.ts reads. */
function expectRelayReads(names: string[]): void {
  for (const n of names) expect(relayMain, `src/relay/main.ts does not read ${n}`).toContain(n);
}

describe('deploy/Caddyfile', () => {
  const caddy = (env: Record<string, string>) =>
    spawnSync('caddy', ['validate', '--adapter', 'caddyfile', '--config', join(deploy, 'Caddyfile')], {
      env: { PATH: process.env.PATH, HOME: scratch, XDG_DATA_HOME: scratch, XDG_CONFIG_HOME: scratch, ...env },
      encoding: 'utf8',
    });

  it('validates for a real domain (automatic HTTPS) and for a local trial (tls internal)', () => {
    const bin = spawnSync('caddy', ['version'], { encoding: 'utf8' });
    expect(bin.status, 'caddy is missing: `apt-get install caddy` (scripts/ensure.mjs does it as root)').toBe(0);
    const acme = caddy({ TANDEM_DOMAIN: 'relay.example.com', TANDEM_TLS: 'acme' });
    expect(acme.status, acme.stderr).toBe(0);
    const local = caddy({ TANDEM_DOMAIN: 'tandem.test', TANDEM_TLS: 'internal', TANDEM_RELAYS: '127.0.0.1:1 127.0.0.1:2' });
    expect(local.status, local.stderr).toBe(0);
    // A typo in the TLS mode is refused, not silently served without TLS.
    expect(caddy({ TANDEM_TLS: 'intrenal' }).status).not.toBe(0);
  });

  it('adapts to a proxy over every relay, with health checks, and the internal issuer only when asked', () => {
    const adapt = (env: Record<string, string>) =>
      JSON.parse(
        execFileSync('caddy', ['adapt', '--adapter', 'caddyfile', '--config', join(deploy, 'Caddyfile')], {
          env: { PATH: process.env.PATH, HOME: scratch, XDG_DATA_HOME: scratch, XDG_CONFIG_HOME: scratch, ...env },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        }),
      );
    const local = JSON.stringify(adapt({ TANDEM_TLS: 'internal', TANDEM_RELAYS: 'a:1 b:2 c:3' }));
    for (const u of ['a:1', 'b:2', 'c:3']) expect(local).toContain(`{"dial":"${u}"}`);
    expect(local).toContain('"uri":"/health"');
    expect(local).toContain('"module":"internal"');
    expect(JSON.stringify(adapt({ TANDEM_DOMAIN: 'relay.example.com' }))).not.toContain('"module":"internal"');
  });
});

describe('deploy/compose.yaml', () => {
  const compose = parse(readFileSync(join(deploy, 'compose.yaml'), 'utf8'), { merge: true }) as Obj;
  const services = compose.services as Obj;
  const relays = Object.entries(services).filter(([, s]) => (s as Obj).build);

  it('runs two or more relay instances from deploy/Dockerfile on one Redis, behind Caddy as the only trusted proxy', () => {
    expect(relays.length).toBeGreaterThanOrEqual(2);
    const caddyIp = services.caddy.networks.tandem.ipv4_address;
    expect(caddyIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const upstreams = String(services.caddy.environment.TANDEM_RELAYS).split(/\s+/);
    for (const [name, relay] of relays as [string, Obj][]) {
      expect(existsSync(resolve(deploy, relay.build.context, relay.build.dockerfile))).toBe(true);
      expect(relay.environment.REDIS_URL).toBe('redis://redis:6379');
      expect(relay.environment.RELAY_TRUSTED_PROXIES).toBe(caddyIp);
      expect(relay.environment.RELAY_PUBLIC_URL).toMatch(/^https:\/\//);
      expect(upstreams).toContain(`${name}:${relay.environment.RELAY_PORT}`);
      expect(relay.depends_on.redis.condition).toBe('service_healthy');
      expectRelayReads(Object.keys(relay.environment));
    }
    expect(upstreams).toHaveLength(relays.length);
    expect(services.caddy.ports).toEqual(expect.arrayContaining(['80:80', '443:443']));
    const mount = (services.caddy.volumes as string[]).find((v) => v.endsWith(':/etc/caddy/Caddyfile:ro'))!;
    expect(existsSync(resolve(deploy, mount.split(':')[0]!))).toBe(true);
  });

  it('states Redis persistence: append-only file, fsync every second, on a named volume; no eviction', () => {
    const cmd = services.redis.command as string[];
    const arg = (k: string) => cmd[cmd.indexOf(k) + 1];
    expect(arg('--appendonly')).toBe('yes');
    expect(arg('--appendfsync')).toBe('everysec');
    expect(arg('--maxmemory-policy')).toBe('noeviction');
    expect(services.redis.volumes).toContain('redis_data:/data');
    expect(Object.keys(compose.volumes)).toContain('redis_data');
    expect(services.redis.healthcheck.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it('passes `docker compose config` where docker has the compose plugin', (ctx) => {
    const has = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
    if (has.status !== 0) return ctx.skip(); // this machine's docker has no compose plugin; the structural checks above still ran
    const r = spawnSync('docker', ['compose', '-f', join(deploy, 'compose.yaml'), 'config', '-q'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });
});

describe('deploy/kubernetes (kustomize base)', () => {
  const dir = join(deploy, 'kubernetes');
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Obj;
  const docs: Obj[] = (kustomization.resources as string[]).flatMap((f) =>
    parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as Obj),
  );
  const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
  const MODELS: Record<string, new (o: Obj) => { validate(): void }> = {
    'v1/Namespace': Namespace as never,
    'v1/Service': Service as never,
    'apps/v1/Deployment': Deployment as never,
    'apps/v1/StatefulSet': StatefulSet as never,
    'networking.k8s.io/v1/Ingress': Ingress as never,
    'policy/v1/PodDisruptionBudget': PodDisruptionBudget as never,
  };

  it('lists every manifest in the directory', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.sort());
    expect(kustomization.images.map((i: Obj) => i.name)).toContain('tandem-relay');
  });

  it('validates every object against the Kubernetes schema of its kind', () => {
    expect(docs.length).toBeGreaterThanOrEqual(6);
    for (const d of docs) {
      const Model = MODELS[`${d.apiVersion}/${d.kind}`]!;
      expect(Model, `no schema for ${d.apiVersion}/${d.kind}`).toBeDefined();
      expect(() => new Model(d).validate(), `${d.kind}/${d.metadata?.name}`).not.toThrow();
    }
    // The validator does catch a wrong type (the check can fail).
    const bad = structuredClone(byKind('Deployment')[0]!);
    bad.spec.replicas = 'three';
    expect(() => new Deployment(bad).validate()).toThrow();
    try {
      new Deployment(bad).validate();
    } catch (e) {
      expect((e as { errors?: unknown }).errors).toEqual([expect.objectContaining({ instancePath: '/spec/replicas', keyword: 'type' })]);
    }
  });

  it('wires the objects together: selectors, named ports, probes, Ingress backend, Redis on a volume', () => {
    const workloads = [...byKind('Deployment'), ...byKind('StatefulSet')];
    for (const w of workloads) {
      expect(w.spec.template.metadata.labels).toMatchObject(w.spec.selector.matchLabels);
    }
    const relay = byKind('Deployment').find((d) => d.metadata.name === 'relay')!;
    expect(relay.spec.replicas).toBeGreaterThanOrEqual(2);
    const c = relay.spec.template.spec.containers[0];
    expect(c.image).toBe('tandem-relay');
    const env = Object.fromEntries(c.env.map((e: Obj) => [e.name, e.value]));
    expectRelayReads(Object.keys(env));
    expect(env.REDIS_URL).toBe('redis://redis:6379');
    expect(String(c.ports[0].containerPort)).toBe(env.RELAY_PORT);
    for (const probe of [c.readinessProbe, c.livenessProbe]) expect(probe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(relay.spec.template.spec.securityContext.runAsNonRoot).toBe(true);

    for (const svc of byKind('Service')) {
      const target = workloads.find((w) => Object.entries(svc.spec.selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v));
      expect(target, `service ${svc.metadata.name} selects no workload`).toBeDefined();
      const names = target!.spec.template.spec.containers.flatMap((x: Obj) => x.ports.map((p: Obj) => p.name));
      for (const p of svc.spec.ports) expect(names).toContain(p.targetPort);
    }
    const ingress = byKind('Ingress')[0]!;
    const backend = ingress.spec.rules[0].http.paths[0].backend.service;
    const svc = byKind('Service').find((s) => s.metadata.name === backend.name)!;
    expect(svc.spec.ports.map((p: Obj) => p.name)).toContain(backend.port.name);
    expect(ingress.spec.tls[0].hosts).toContain(ingress.spec.rules[0].host);
    expect(`https://${ingress.spec.rules[0].host}`).toBe(env.RELAY_PUBLIC_URL);

    const redis = byKind('StatefulSet').find((s) => s.metadata.name === 'redis')!;
    const args = redis.spec.template.spec.containers[0].args as string[];
    expect(args[args.indexOf('--appendonly') + 1]).toBe('yes');
    expect(redis.spec.volumeClaimTemplates[0].metadata.name).toBe(redis.spec.template.spec.containers[0].volumeMounts[0].name);
  });
});

describe('deploy/Dockerfile', () => {
  const text = readFileSync(join(deploy, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const lines = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
  const ci = readFileSync(join(root, '.ci/run'), 'utf8');
  const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Obj).scripts as Record<string, string>;

  /** Scripts CI runs: `npm test` and every `npm run X` reachable from it. */
  function ciScripts(): Set<string> {
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name) || !scripts[name]) return;
      seen.add(name);
      for (const m of scripts[name].matchAll(/npm run (?:--silent )?([\w:-]+)/g)) visit(m[1]!);
    };
    for (const m of ci.matchAll(/^npm (?:run )?([\w:-]+)$/gm)) visit(m[1]!);
    return seen;
  }

  it('builds with the commands CI runs (npm ci, then npm scripts that `npm test` runs)', () => {
    const runs = lines.filter((l) => l.startsWith('RUN ')).map((l) => l.slice(4).trim());
    expect(runs.length).toBeGreaterThanOrEqual(2);
    const inCi = ciScripts();
    expect(inCi).toContain('build');
    for (const r of runs) {
      if (r.startsWith('npm ci')) expect(ci).toContain(r);
      else if (r.startsWith('npm run ')) expect(inCi, r).toContain(r.split(/\s+/)[2]);
      else expect(r, 'only pruning dev dependencies may differ from CI').toMatch(/^npm prune --omit=dev\b/);
    }
  });

  it('runs as a non-root user with a health check, serves the phone page it built, and starts main.ts', () => {
    const last = text.slice(text.lastIndexOf('\nFROM '));
    expect(last).toMatch(/\nUSER (?!root\b|0\b)\w+/);
    expect(last).toMatch(/\nHEALTHCHECK .*\/health/);
    expect(last).toContain('COPY --from=build /app/dist-cosigner');
    expect(last).toMatch(/RELAY_STATIC_DIR=\/app\/dist-cosigner/);
    expect(last).toMatch(/\nCMD \["node", "--import", "tsx", "src\/relay\/main.ts"\]/);
    expect(readFileSync(join(root, 'vite.cosigner.config.ts'), 'utf8')).toContain('dist-cosigner');
    const deps = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Obj).dependencies;
    expect(deps.tsx, 'tsx must be a runtime dependency: the image prunes dev dependencies').toBeDefined();
    expectRelayReads(['RELAY_HOST', 'RELAY_PORT', 'RELAY_STATIC_DIR']);
  });
});
