import { INestApplication } from '@nestjs/common';
import type { Express, NextFunction, Request, Response } from 'express';
import fs from 'node:fs';
import path from 'node:path';
import { DomainError, sendProblem, toProblem } from '@app/common';

export const CONSOLE_PATH = '/console';

/**
 * A strict policy: scripts, styles, fonts and API calls from this origin only, no inline script or
 * style (the bundle has none), no framing, no plugins. Job data can never run as code in the page.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/**
 * The console's files: the Vite output that scripts/build.js puts beside the compiled apps
 * (dist/console, next to dist/apps). Run from sources (the tests), the current build's.
 */
export function consoleDir(): string | null {
  const candidates = [path.resolve(__dirname, '..', '..', 'console'), path.resolve(__dirname, '..', '..', 'dist', 'console')];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html'))) ?? null;
}

function secure(res: Response): void {
  res.set({
    'Content-Security-Policy': CONSOLE_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
  });
}

/**
 * GET /console (and every page path below it: the page routes in the browser) answers the
 * single-page app; /console/assets/* its hashed bundle files. Public, as /docs: the page holds no
 * data, and everything it shows comes from the API with the token the user pastes.
 */
export function mountConsole(app: INestApplication): void {
  const server = app.getHttpAdapter().getInstance() as Express;
  const dir = consoleDir();
  server.use(CONSOLE_PATH, (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    secure(res);
    if (!dir) {
      return sendProblem(res, toProblem(new DomainError(503, 'CONSOLE_NOT_BUILT', 'The console is not built: run npm run build')));
    }
    if (req.path.startsWith('/assets/')) {
      const name = path.basename(req.path);
      if (name !== req.path.slice('/assets/'.length) || !/^[\w.-]+$/.test(name)) return next();
      // Hashed file names: a new build has new names, so a year of caching is safe.
      return res.sendFile(path.join(dir, 'assets', name), { maxAge: '365d', immutable: true }, (err) => {
        if (err && !res.headersSent) sendProblem(res, toProblem(new DomainError(404, 'NOT_FOUND', 'No console asset has this name')));
      });
    }
    res.set('Cache-Control', 'no-cache');
    res.sendFile(path.join(dir, 'index.html'));
  });
}
