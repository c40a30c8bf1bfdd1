import { Router } from 'express';
import { openApiDocument } from '../openapi/openapi-document.js';

export function openApiRoutes(): Router {
  const router = Router();
  const document = JSON.stringify(openApiDocument());
  router.get('/openapi.json', (_request, response) => {
    response.type('application/json').send(document);
  });
  return router;
}
