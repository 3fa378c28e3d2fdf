import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// js-yaml comes with jest (no types of its own here); safeLoad keeps YAML's merge keys (<<: *anchor).
const yaml = require('js-yaml') as { safeLoad(text: string): unknown };

const ROOT = join(__dirname, '..');
const read = (name: string) => readFileSync(join(ROOT, name), 'utf8');

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
}

/** docker-compose.yml and the Dockerfile, which cannot be run here (no Docker engine): what they say. */
describe('docker-compose.yml', () => {
  const compose = yaml.safeLoad(read('docker-compose.yml')) as { services: Record<string, Service> };
  const appServices = Object.entries(compose.services).filter(([, s]) => s.environment?.NODE_ENV === 'production');

  it('runs the API and the worker in production mode', () => {
    expect(appServices.map(([name]) => name).sort()).toEqual(['api', 'worker']);
    expect(compose.services.api.command).toEqual(['npm', 'run', 'start:api']);
    expect(compose.services.worker.command).toEqual(['npm', 'run', 'start:worker']);
  });

  it.each(['JWT_SECRET', 'ENCRYPTION_KEY'])('has no default %s: compose refuses to start until it is set', (name) => {
    for (const [, service] of appServices) {
      // ${VAR:?message} fails `docker compose up` when VAR is unset or empty; ${VAR:-x} would default it.
      expect(service.environment![name]).toMatch(new RegExp(`^\\$\\{${name}:\\?[^}]+\\}$`));
    }
    expect(read('docker-compose.yml')).not.toMatch(new RegExp(`\\$\\{${name}:?-`));
  });

  it('checks the API\'s readiness (Postgres and Redis), not only that it runs', () => {
    expect(compose.services.api.healthcheck!.test.join(' ')).toContain('/health/ready');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('copies everything scripts/build.js builds from, so the start scripts find the build up to date', () => {
    for (const input of ['package.json package-lock.json', 'tsconfig.json tsconfig.build.json', 'scripts', 'apps', 'libs']) {
      expect(dockerfile).toMatch(new RegExp(`^COPY --chown=node:node ${input} `, 'm'));
    }
    expect(dockerfile).toMatch(/^COPY --chown=node:node .*\bopenapi\.json\b/m); // the console's API types
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
  });
});

describe('npm start and npm test on a fresh clone', () => {
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

  it('build first (prestart, pretest), and the build installs the dependencies when needed', () => {
    for (const script of ['prestart', 'pretest', 'prestart:api', 'prestart:worker']) expect(pkg.scripts[script]).toBe('node scripts/build.js');
    expect(read('scripts/build.js')).toMatch(/^ {2}await ensureDependencies\(ROOT\);$/m);
  });

  it('run the install step with Node alone: the scripts before it require only built-ins and each other', () => {
    for (const script of ['build.js', 'deps.js', 'dir-lock.js']) {
      const requires = [...read(`scripts/${script}`).matchAll(/^const .+ = require\('([^']+)'\)/gm)].map((m) => m[1]);
      expect(requires.length).toBeGreaterThan(0);
      for (const r of requires) expect(r).toMatch(/^(node:|\.\/(deps|dir-lock)$)/);
    }
  });
});
