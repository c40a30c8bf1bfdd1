import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A place as Nominatim's /search returns it with format=jsonv2 (the fields Talash reads and a few more). */
export interface NominatimResult {
  place_id: number;
  lat: string;
  lon: string;
  display_name: string;
  boundingbox?: [string, string, string, string];
  category?: string;
  type?: string;
}

/**
 * A loopback HTTP server that plays Nominatim's search endpoint. Depending on `mode`, `GET /search`
 * returns `results`, fails with HTTP 503, returns HTML, or never responds.
 */
export class FakeNominatim {
  results: NominatimResult[] = [];
  mode: 'answer' | 'fail' | 'hang' | 'not json' = 'answer';
  /** The query string of every request received. */
  readonly requests: URLSearchParams[] = [];

  private server: Server | undefined;

  get url(): string {
    const address = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}/search`;
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      if (url.pathname !== '/search') {
        response.writeHead(404).end();
        return;
      }
      this.requests.push(url.searchParams);
      if (this.mode === 'hang') return; // stop() closes the connection.
      if (this.mode === 'fail') {
        response.writeHead(503, { 'content-type': 'text/plain' }).end('overloaded');
        return;
      }
      if (this.mode === 'not json') {
        response.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.results));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
