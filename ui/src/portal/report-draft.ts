// The unsent report, kept in the browser so a reload or a dropped connection loses nothing: the text
// fields in localStorage, the photo in IndexedDB (localStorage holds only strings of a few MB).

export type ReportDraft = {
  childName: string;
  childAge: string;
  childSex: string;
  description: string;
  seenAt: string;
  lat: string;
  lon: string;
  /** The "Address, town or district" text, sent with the report for the police. */
  placeDescription: string;
  reporterName: string;
  reporterPhone: string;
};

const DRAFT_KEY = 'talash.reportDraft';
const SUBMISSION_KEY = 'talash.reportSubmissionKey';
const DATABASE = 'talash-drafts';
const STORE = 'photos';
const PHOTO_KEY = 'report-photo';

export function loadDraft(): ReportDraft | null {
  try {
    const stored = localStorage.getItem(DRAFT_KEY);
    return stored ? (JSON.parse(stored) as ReportDraft) : null;
  } catch {
    return null;
  }
}

/** Stores the draft; an empty form removes it, so a sent or cleared report leaves nothing behind. */
export function saveDraft(draft: ReportDraft): void {
  try {
    if (Object.values(draft).every((value) => value === '')) localStorage.removeItem(DRAFT_KEY);
    else localStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
  } catch {
    // Storage full or blocked: the form still works, only without the saved copy.
  }
}

function openDatabase(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(DATABASE, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(STORE);
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error);
  });
}

async function withStore<T>(
  mode: IDBTransactionMode,
  action: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const database = await openDatabase();
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = action(database.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    database.close();
  }
}

export async function saveDraftPhoto(photo: Blob | null): Promise<void> {
  try {
    if (photo) await withStore('readwrite', (store) => store.put(photo, PHOTO_KEY));
    else await withStore('readwrite', (store) => store.delete(PHOTO_KEY));
  } catch (error) {
    console.warn('The photo could not be kept in the browser', error);
  }
}

export async function loadDraftPhoto(): Promise<Blob | null> {
  try {
    const photo = await withStore<unknown>('readonly', (store) => store.get(PHOTO_KEY));
    return photo instanceof Blob ? photo : null;
  } catch {
    return null;
  }
}

/** Deletes the draft and its photo, after the report was sent or when the user clears the form. */
/**
 * Returns the Idempotency-Key of the report being sent, the same on every retry until one succeeds.
 * If a response is lost on a weak connection, the retry then returns the case already stored
 * instead of filing a second one.
 */
export function submissionKey(): string {
  try {
    const stored = localStorage.getItem(SUBMISSION_KEY);
    if (stored) return stored;
    const key = randomKey();
    localStorage.setItem(SUBMISSION_KEY, key);
    return key;
  } catch {
    return randomKey();
  }
}

/** 32 hex digits from the browser's random source (crypto.randomUUID needs HTTPS; this does not). */
function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export async function clearDraft(): Promise<void> {
  try {
    localStorage.removeItem(DRAFT_KEY);
    localStorage.removeItem(SUBMISSION_KEY);
  } catch {
    // Nothing was stored.
  }
  await saveDraftPhoto(null);
}
