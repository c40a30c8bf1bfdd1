import type { Knex } from 'knex';
import { ApiError } from '../errors.js';
import type { FaceJobEnqueuer } from '../jobs/faces-queue.js';
import { createLogger } from '../logger.js';
import type { CaseEventRepository } from '../repositories/case-event-repository.js';
import type { NewPhoto } from '../repositories/case-repository.js';
import type { JurisdictionRepository } from '../repositories/jurisdiction-repository.js';
import type { SightingRepository } from '../repositories/sighting-repository.js';
import type { OutboxEnqueuer } from './report-service.js';
import { sightingNoticeSms } from './sighting-sms.js';

export interface SightingInput {
  seenAt: Date;
  place: { lat: number; lon: number };
  description: string | null;
  /** A registered case the reporter believes this is, by tracking code or by the id a search showed. */
  trackingCode: string | null;
  caseId: string | null;
  /** The child's register id, when the sighting comes from the child's public register page. */
  registerId: string | null;
  reporterPhone: string | null;
  /** The reporter thinks the child is lost or in danger (used for a child with no case). */
  atRisk: boolean;
}

export interface SightingReceipt {
  id: string;
  createdAt: string;
  /** The district where the child was seen, whose police the sighting is routed to; null outside all. */
  district: { code: string; name: string; nameUr: string | null } | null;
  onBorder: boolean;
  caseLinked: boolean;
  photoReceived: boolean;
  /** Codes of the districts whose police see the sighting: where it was seen and the case's district. */
  routedTo: string[];
}

const log = createLogger('SightingService');

/**
 * Takes a public sighting in: geofences the place, links the named case and stores the sighting with
 * its photo. It routes the sighting to the district where it was seen and to the case's district, with
 * an SMS to their DPOs and a live dashboard update through the outbox. It then records the sighting on
 * the case's timeline and queues the photo for the face job, which matches its faces against open cases.
 */
export class SightingService {
  constructor(
    private readonly db: Knex,
    private readonly repositories: {
      sightings: SightingRepository;
      jurisdictions: JurisdictionRepository;
      caseEvents: CaseEventRepository;
    },
    private readonly enqueueFaceJobs: FaceJobEnqueuer,
    private readonly enqueueOutbox: OutboxEnqueuer = async () => undefined,
  ) {}

  async submit(input: SightingInput, photo?: NewPhoto): Promise<SightingReceipt> {
    const { sightings, jurisdictions, caseEvents } = this.repositories;
    const caseId = await this.findNamedCase(input);
    const match = await jurisdictions.geofence(input.place.lon, input.place.lat);

    const stored = await this.db.transaction(async (trx) => {
      const inserted = await sightings.insert(
        trx,
        {
          caseId,
          seenAt: input.seenAt,
          place: input.place,
          description: input.description,
          reporterPhone: input.reporterPhone,
          atRisk: input.atRisk,
          jurisdiction: match,
        },
        photo,
      );
      const caseDistrict = caseId ? await sightings.findCaseDistrictCode(caseId, trx) : null;
      const routedTo = await sightings.insertRoutes(trx, inserted.id, {
        seenIn: match?.district.code ?? null,
        caseDistrict,
      });
      const outboxIds = await sightings.insertNotices(trx, {
        sightingId: inserted.id,
        caseId,
        districtCodes: routedTo,
        smsBody: sightingNoticeSms({
          trackingCode: caseId ? await sightings.findTrackingCode(caseId, trx) : null,
          seenAt: input.seenAt,
          lat: input.place.lat,
          lon: input.place.lon,
          seenInDistrictName: match?.district.name ?? null,
          atRisk: input.atRisk,
        }),
      });
      if (caseId) {
        await caseEvents.append(
          {
            caseId,
            kind: 'sighting-reported',
            actor: 'public',
            details: {
              sightingId: inserted.id,
              district: match?.district.code ?? null,
              photo: Boolean(photo),
            },
          },
          trx,
        );
      }
      return { ...inserted, routedTo, outboxIds };
    });

    log.info(
      {
        sightingId: stored.id,
        district: match?.district.code ?? null,
        caseId,
        photo: Boolean(stored.photoId),
        routedTo: stored.routedTo,
      },
      'sighting stored',
    );
    // The outbox job is keyed by the case, or by the sighting when it names no case.
    void this.enqueueOutbox(caseId ?? stored.id, stored.outboxIds).catch((error: Error) => {
      log.warn(
        { sightingId: stored.id, err: error.message },
        'could not queue the sighting notices; the outbox sweeper will',
      );
    });
    if (stored.photoId) {
      await this.enqueueFaceJobs([{ kind: 'sighting', photoId: stored.photoId }]).catch((error: Error) => {
        log.warn(
          { sightingId: stored.id, err: error.message },
          'could not queue the face job; the sweeper will',
        );
      });
    }

    return {
      id: stored.id,
      createdAt: stored.createdAt.toISOString(),
      district: match
        ? { code: match.district.code, name: match.district.name, nameUr: match.district.nameUr }
        : null,
      onBorder: match?.onBorder ?? false,
      caseLinked: caseId !== null,
      photoReceived: stored.photoId !== null,
      routedTo: stored.routedTo,
    };
  }

  private async findNamedCase(input: SightingInput): Promise<string | null> {
    if (!input.trackingCode && !input.caseId && !input.registerId) return null;
    const caseId = await this.repositories.sightings.findCaseId({
      trackingCode: input.trackingCode ?? undefined,
      caseId: input.caseId ?? undefined,
      registerId: input.registerId ?? undefined,
    });
    if (!caseId) {
      let field: 'caseId' | 'registerId' | 'trackingCode' = 'trackingCode';
      if (input.registerId) field = 'registerId';
      if (input.caseId) field = 'caseId';
      const identifier = { caseId: 'id', registerId: 'register id', trackingCode: 'tracking code' }[field];
      throw new ApiError(
        400,
        'CASE_NOT_FOUND',
        `${field}: no registered case has this ${identifier}. Leave it out to report the sighting without a case.`,
        field,
      );
    }
    return caseId;
  }
}
