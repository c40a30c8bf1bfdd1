// Shapes of the dashboard API's JSON bodies, as the API contract defines them.
import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson';

export type Sex = 'female' | 'male' | 'other' | 'unknown';

export type JurisdictionRef = { code: string; name: string; nameUr: string | null };

export type Case = {
  id: string;
  trackingCode: string;
  status: string;
  createdAt: string;
  child: { name: string; age: number; sex: Sex; description: string | null };
  lastSeen: { lat: number; lon: number; at: string };
  district: JurisdictionRef | null;
  region: JurisdictionRef | null;
  onBorder: boolean;
  photoCount: number;
};

export type Alert = {
  id: string;
  post: 'DPO' | 'RPO' | 'IG';
  createdAt: string;
  acknowledgedAt: string | null;
  case: Case;
};

export type JurisdictionProperties = {
  id: string | number;
  code: string;
  name: string;
  nameUr: string | null;
  level: string;
  parentCode: string | null;
};

export type DistrictCollection = FeatureCollection<Polygon | MultiPolygon, JurisdictionProperties>;

export type PublicConfig = { basemapTileUrl: string | null };

export type Photo = { id: string; url: string };

export type ApiErrorBody = { error: { code: string; message: string; field?: string } };

export type District = { code?: string; name: string; nameUr: string | null };

export type FaceBox = { x: number; y: number; width: number; height: number };

// A registered case whose photo resembles the searched face. Police-only fields are absent for the public.
export type FaceCaseMatch = {
  similarity: number;
  aboveThreshold: boolean;
  queryFace: number;
  faceCrop: string;
  case: {
    /** Police results only; public results name the case by publicId. */
    id?: string;
    child: { name: string; age: number; sex: Sex };
    /** Police results give the moment (at), public ones the day in Pakistan time (on). */
    lastSeen: { at?: string; on?: string; district: District | null };
    publishedAt: string | null;
    /** Public results only: the register id of the child's page. */
    publicId?: string;
    trackingCode?: string;
    status?: string;
  };
};

export type FaceSightingMatch = {
  similarity: number;
  aboveThreshold: boolean;
  faceCrop: string;
  sighting: {
    id: string;
    caseId: string | null;
    seenAt: string;
    district: District | null;
    description: string | null;
  };
};

export type FaceSearchResult = {
  faceFound: boolean;
  faces: { box: FaceBox; primary: boolean }[];
  threshold: number;
  matches: FaceCaseMatch[];
  sightings?: FaceSightingMatch[];
};

export type SightingReceipt = {
  id: string;
  createdAt: string;
  district: District | null;
  onBorder: boolean;
  caseLinked: boolean;
  photoReceived: boolean;
  /** Codes of the districts whose police receive the sighting. */
  routedTo?: string[];
};

// A sighting face that resembles a case face, waiting for an officer's review.
export type FaceMatchCandidate = {
  id: string;
  similarity: number;
  strong: boolean;
  status: 'candidate' | 'confirmed' | 'rejected';
  createdAt: string;
  case: {
    id: string;
    trackingCode: string;
    child: { name: string; age: number; sex: Sex };
    district: District | null;
    // Null once the photo was withdrawn.
    faceCrop: string | null;
  };
  sighting: {
    id: string;
    seenAt: string;
    place: { lat: number; lon: number };
    description: string | null;
    district: District | null;
    faceCrop: string | null;
  };
};

export type DeadlineDuty = 'fir' | 'contact';

/** One legal deadline of a case, as GET /api/dashboard/cases returns it. */
export type CaseDeadline = {
  duty: DeadlineDuty;
  dueAt: string;
  doneAt: string | null;
  escalatedTo: 'RPO' | 'IG' | null;
};

export type UrgentCase = Case & { unacknowledged: boolean; deadlines: CaseDeadline[] };

export type DistrictDeadlineCounts = JurisdictionRef & {
  openCases: number;
  unacknowledged: number;
  openBreached: number;
  breaches: number;
};

export type SignedInOfficer = {
  id: string;
  username: string;
  role: string;
  jurisdictionCode: string | null;
};
