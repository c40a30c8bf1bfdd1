import { z } from 'zod';
import { DEFAULT_DEADLINE_SETTINGS } from './cases/deadlines.js';

// Runtime configuration, read once from the environment. Every value has a default that works on a
// developer machine with local PostgreSQL and Redis; production sets them explicitly.
const configSchema = z.object({
  /** HTTP port; 0 picks a free port (tests). */
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/talash'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /** Prefix for BullMQ queues and Redis channels, so that several instances (or test runs) can share one Redis. */
  REDIS_PREFIX: z.string().default('talash'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `log` writes messages to the sms_log table; `http` posts them to SMS_HTTP_URL. */
  SMS_DRIVER: z.enum(['log', 'http']).default('log'),
  SMS_HTTP_URL: z.string().url().optional(),
  SMS_HTTP_TOKEN: z.string().optional(),
  SMS_HTTP_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
  /** Largest accepted photo upload, in bytes. */
  MAX_PHOTO_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(10 * 1024 * 1024),
  /** Largest accepted photo, in pixels (width × height), against decompression bombs. */
  MAX_PHOTO_PIXELS: z.coerce.number().int().positive().default(50_000_000),
  /** Public report submissions allowed per client address per minute. */
  PUBLIC_REPORTS_PER_MINUTE: z.coerce.number().int().positive().default(20),
  /** Optional raster basemap URL template ({z}/{x}/{y}); without it the map shows only the boundaries. */
  BASEMAP_TILE_URL: z.string().optional(),
  /** Whether the server sits behind a reverse proxy that sets X-Forwarded-For (Express `trust proxy`). */
  TRUST_PROXY: z.string().default('loopback'),
  /** Marks session cookies Secure (HTTPS only). Turn off only for plain-HTTP development. */
  SECURE_COOKIES: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
  OUTBOX_CONCURRENCY: z.coerce.number().int().positive().default(8),
  /**
   * Niceness of the worker process (Linux: 0 normal, 19 lowest). Above 0, the API and PostgreSQL get
   * the cores first when they share them with the worker, which then delivers in the gaps: a
   * citizen's report is stored and acknowledged before the SMS of earlier reports go out. A worker on a machine of
   * its own gets every idle core at any niceness.
   */
  WORKER_NICENESS: z.coerce.number().int().min(0).max(19).default(10),
  /**
   * Minimum time in milliseconds between two delivery jobs that report intake queues. The cases
   * stored meanwhile share the next job, which the worker delivers in one transaction: under load
   * this saves most of the worker's and Redis's work per report. A report stored longer than this
   * after the last job is queued at once.
   */
  OUTBOX_JOB_INTERVAL_MS: z.coerce.number().int().min(0).max(10_000).default(100),
  OUTBOX_ATTEMPTS: z.coerce.number().int().positive().default(8),
  OUTBOX_RETRY_BASE_MS: z.coerce.number().int().positive().default(2000),
  OUTBOX_SWEEP_INTERVAL_MS: z.coerce.number().int().positive().default(30_000),
  OUTBOX_SWEEP_GRACE_MS: z.coerce.number().int().nonnegative().default(10_000),
  /** Delivery attempts after which a message is marked failed and logged as an error. */
  OUTBOX_GIVE_UP_ATTEMPTS: z.coerce.number().int().positive().default(40),
  OUTBOX_LOCK_MS: z.coerce.number().int().positive().default(30_000),
  /** Worker threads that run face detection in each process (about 300 MB of memory each). */
  FACE_DETECTOR_THREADS: z.coerce.number().int().min(1).max(16).default(1),
  /** Photos that may wait for a detector thread; face searches beyond it answer 503 FACE_SEARCH_BUSY. */
  FACE_DETECTOR_MAX_QUEUED: z.coerce.number().int().positive().default(8),
  /** Load the face model when the API starts, so the first face search does not wait for it. */
  FACE_DETECTOR_PRELOAD: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
  /** Where the API saves its face indexes, so a restart loads them instead of rebuilding. */
  FACE_INDEX_DIR: z.string().default('data/runtime/face-index'),
  /** How often each face index is checked against the faces table, in case a change event was lost. */
  FACE_INDEX_SYNC_INTERVAL_MS: z.coerce.number().int().positive().default(30_000),
  /**
   * Similarity at which a sighting match alerts districts by SMS. The matching threshold (0.93, in
   * models/src/face-match.ts) only makes a candidate for review. On the labelled benchmark set in
   * models/README.md the highest different-person similarity was 0.926, so 0.95 stays 0.024 above
   * any wrong match seen there, at the cost of alerting on fewer true ones (the lowest best
   * same-person score was 0.948); those still reach the review list.
   */
  FACE_ALERT_THRESHOLD: z.coerce.number().min(0).max(1).default(0.95),
  /** Public face searches allowed per client address per minute. */
  FACE_SEARCHES_PER_MINUTE: z.coerce.number().int().positive().default(10),
  /** Face searches allowed per signed-in officer per minute, whatever their address. */
  OFFICER_FACE_SEARCHES_PER_MINUTE: z.coerce.number().int().positive().default(60),
  /** Public sightings allowed per client address per minute. */
  SIGHTINGS_PER_MINUTE: z.coerce.number().int().positive().default(10),
  FACES_CONCURRENCY: z.coerce.number().int().positive().default(1),
  FACES_ATTEMPTS: z.coerce.number().int().positive().default(5),
  FACES_RETRY_BASE_MS: z.coerce.number().int().positive().default(5000),
  FACES_SWEEP_INTERVAL_MS: z.coerce.number().int().positive().default(60_000),
  FACES_SWEEP_GRACE_MS: z.coerce.number().int().nonnegative().default(30_000),
  /** BullMQ lock of a face job; detection of one photo takes up to a few seconds. */
  FACES_LOCK_MS: z.coerce.number().int().positive().default(60_000),
  /** Minutes from the alert to the district within which the police must register the FIR. */
  FIR_DEADLINE_MINUTES: z.coerce.number().int().positive().default(DEFAULT_DEADLINE_SETTINGS.firMinutes),
  /** Minutes from the alert to the district within which the police must contact the reporter. */
  CONTACT_DEADLINE_MINUTES: z.coerce
    .number()
    .int()
    .positive()
    .default(DEFAULT_DEADLINE_SETTINGS.contactMinutes),
  /** Minutes after the escalation to the RPO at which a duty still not done goes to the IG. */
  IG_ESCALATION_AFTER_MINUTES: z.coerce
    .number()
    .int()
    .positive()
    .default(DEFAULT_DEADLINE_SETTINGS.igAfterMinutes),
  /** How often the worker looks for missed deadlines, in milliseconds; delayed jobs prompt sooner. */
  DEADLINE_SWEEP_INTERVAL_MS: z.coerce.number().int().positive().default(60_000),
  /**
   * Largest boundary file a GIS officer may upload, in bytes, per file. The default, 200 MiB, is a
   * guess that leaves room for a province's police stations as an unsimplified shapefile.
   */
  MAX_BOUNDARY_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(200 * 1024 * 1024),
  /**
   * Leading zero bits of the proof-of-work challenge that public submissions (reports, sightings,
   * reporter updates, takedowns) must solve; 0 turns the challenge off. Each extra bit doubles the
   * average work: 16 bits is about 65,000 SHA-256 hashes in the browser.
   */
  PUBLIC_CHALLENGE_BITS: z.coerce.number().int().min(0).max(24).default(16),
  /** How long an issued challenge stays valid, in milliseconds. */
  PUBLIC_CHALLENGE_TTL_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(10 * 60_000),
  /** Key that signs challenges. Every API process behind one address needs the same key. Random per process if unset. */
  CHALLENGE_SECRET: z.string().min(16).optional(),
  /** Public register and challenge requests allowed per client address per minute; photos get 5 times as many. */
  REGISTER_REQUESTS_PER_MINUTE: z.coerce.number().int().positive().default(120),
  /**
   * The address the public reaches the portal at, such as https://talash.example.pk, used in share
   * links and preview tags. Without it they use the request's own host.
   */
  PUBLIC_ORIGIN: z.string().url().optional(),
  /** Reporter requests (timeline, updates, takedown) allowed per client address per minute. */
  REPORTER_REQUESTS_PER_MINUTE: z.coerce.number().int().positive().default(10),
  /** Public map tiles allowed per client address per minute; one map view loads roughly 10 to 30. */
  PUBLIC_TILES_PER_MINUTE: z.coerce.number().int().positive().default(600),
  /**
   * Search endpoint of a Nominatim server for street addresses in the report form, such as
   * https://nominatim.example.pk/search. Unset (the default), the place lookup finds jurisdiction
   * names only. The typed address goes to this server, so use one inside the police network.
   */
  GEOCODER_URL: z.string().url().optional(),
  /** How long a place lookup waits for the geocoder before it returns names only, in milliseconds. */
  GEOCODER_TIMEOUT_MS: z.coerce.number().int().positive().default(1500),
  /** Place lookups (GET /api/places) allowed per client address per minute. The form sends one per pause in typing. */
  PLACE_LOOKUPS_PER_MINUTE: z.coerce.number().int().positive().default(120),
  /** Largest historical incident file accepted by POST /api/incidents/imports, in bytes. */
  INCIDENT_IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(50 * 1024 * 1024),
});

export type Config = z.infer<typeof configSchema>;

/** Parses the environment into a Config, or throws an error naming every invalid variable. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}
