import type { Knex } from 'knex';
import type { NewPhoto } from './case-repository.js';

/** A case's state as the register and photo routes need it. */
export interface CaseState {
  id: string;
  status: string;
  publishedAt: Date | null;
  /** When the family asked to take the child off the public register; null when they never did. */
  takedownAt: Date | null;
}

/** All SQL about the public register flag of cases and the photos officers add or withdraw later. */
export class CaseRegisterRepository {
  constructor(private readonly db: Knex) {}

  async findCaseState(caseId: string, connection: Knex | Knex.Transaction = this.db) {
    const row = await connection('cases')
      .where({ id: caseId })
      .first('id', 'status', 'published_at as publishedAt', 'register_takedown_at as takedownAt');
    return row as CaseState | undefined;
  }

  /** Sets or clears published_at; returns the new value, or undefined when the case does not exist. */
  async setPublished(trx: Knex.Transaction, caseId: string, published: boolean, publicName?: string) {
    const rows = await trx('cases')
      .where({ id: caseId })
      .update({
        published_at: published ? trx.raw('coalesce(published_at, now())') : null,
        ...(publicName === undefined ? {} : { public_name: publicName }),
      })
      .returning('published_at as publishedAt');
    return rows[0] as { publishedAt: Date | null } | undefined;
  }

  async insertPhoto(trx: Knex.Transaction, caseId: string, photo: NewPhoto): Promise<string> {
    const [row] = await trx('case_photos')
      .insert({ case_id: caseId, ...photoColumns(photo) })
      .returning('id');
    return (row as { id: string }).id;
  }

  /** Deletes a case photo with its faces (ON DELETE CASCADE); returns the number of faces it had. */
  async deletePhoto(trx: Knex.Transaction, caseId: string, photoId: string): Promise<number | undefined> {
    const photo = await trx('case_photos').where({ id: photoId, case_id: caseId }).forUpdate().first('id');
    if (!photo) return undefined;
    const [count] = await trx('faces')
      .where({ case_photo_id: photoId })
      .count<{ count: number }[]>('* as count');
    await trx('case_photos').where({ id: photoId }).delete();
    return Number(count?.count ?? 0);
  }
}

/** Maps a photo prepared by photo intake to the columns that case_photos and sighting_photos share. */
export function photoColumns(photo: NewPhoto) {
  return {
    content: photo.content,
    media_type: photo.mediaType,
    byte_size: photo.byteSize,
    width: photo.width,
    height: photo.height,
    sha256: photo.sha256,
  };
}
