import { INestApplication } from '@nestjs/common';
import type { Express, NextFunction, Request, Response } from 'express';
import { createRequire } from 'node:module';
import path from 'node:path';
import { sendProblem, toProblem, unknownQueryParams } from '@app/common';
import { buildOpenApiDocument, DOCS_PATH, OPENAPI_JSON_PATH } from './openapi';

const ASSETS_PATH = `${DOCS_PATH}/assets`;

/** Swagger UI's files, from the swagger-ui-dist that @nestjs/swagger itself depends on: nothing comes from a CDN. */
function swaggerUiDir(): string {
  const fromSwagger = createRequire(require.resolve('@nestjs/swagger'));
  return (fromSwagger('swagger-ui-dist/absolute-path.js') as () => string)();
}
const UI_FILES = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png'];

/** Our own starter (a file, not inline, so a strict Content-Security-Policy can allow it): no validator badge, which would call swagger.io. */
const INIT_JS = `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(OPENAPI_JSON_PATH)},
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Agent Jobs API</title>
  <link rel="stylesheet" href="${ASSETS_PATH}/swagger-ui.css">
  <link rel="icon" type="image/png" href="${ASSETS_PATH}/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${ASSETS_PATH}/swagger-ui-bundle.js"></script>
  <script src="${ASSETS_PATH}/init.js"></script>
</body>
</html>
`;

/** The docs take no query parameters: refused as every route refuses an unknown one. */
function noQuery(req: Request, res: Response, next: NextFunction): void {
  const names = Object.keys(req.query ?? {});
  if (!names.length) return next();
  sendProblem(res, toProblem(unknownQueryParams(names, new Set())));
}

/**
 * GET /docs (Swagger UI), GET /docs/openapi.json (the document, built on first use from the app's
 * routes) and the page's assets under /docs/assets. Public: the document holds no org data.
 */
export function mountApiDocs(app: INestApplication): void {
  const server = app.getHttpAdapter().getInstance() as Express;
  const dir = swaggerUiDir();
  let document: string | undefined;
  server.use(DOCS_PATH, noQuery);
  server.get(DOCS_PATH, (_req, res) => {
    res.type('text/html').send(PAGE);
  });
  server.get(OPENAPI_JSON_PATH, (_req, res) => {
    document ??= JSON.stringify(buildOpenApiDocument(app));
    res.type('application/json').send(document);
  });
  // A middleware, not routes: the assets are not API operations.
  server.use(ASSETS_PATH, (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const name = req.path.replace(/^\//, '');
    if (name === 'init.js') return void res.type('application/javascript').set('Cache-Control', 'no-cache').send(INIT_JS);
    if (!UI_FILES.includes(name)) return next();
    res.sendFile(path.join(dir, name), { maxAge: '1h' });
  });
}
